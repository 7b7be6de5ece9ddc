import fs from 'node:fs';

export type FolderWatchOptions = {
	/** Stat the folder every `interval` ms instead of native events (bind mounts, network filesystems). */
	usePolling: boolean;
	/** Polling period in ms. */
	interval: number;
};

export type FolderWatcher = {
	/** Stops watching. Safe to call twice. */
	close(): Promise<void>;
};

/**
 * Hints that one flat folder changed: `onChange(name)` with the file name a native event carries, or
 * `onChange(undefined)` when only "something changed" is known (polling sees the folder's own times move).
 * One fs.watch on the folder, or one stat of it per interval, however many files it holds: chokidar
 * re-reads and lstats the whole folder on every event, which made each claim cost O(backlog). Hints
 * only; the caller's scan stays the truth.
 */
export function watchFolder(dir: string, options: FolderWatchOptions, onChange: (name: string | undefined) => void, onError: (error: Error) => void): FolderWatcher {
	return options.usePolling ? pollFolder(dir, options.interval, onChange, onError) : watchNative(dir, onChange, onError);
}

function watchNative(dir: string, onChange: (name: string | undefined) => void, onError: (error: Error) => void): FolderWatcher {
	const watcher = fs.watch(dir, {persistent: true}, (_event, name) => onChange(name ?? undefined));
	watcher.on('error', onError);
	return {
		async close() {
			watcher.close();
		},
	};
}

/**
 * A folder's entries changed when its mtime or ctime moved (or it was replaced by another folder). The
 * stat is a plain system call on a fixed-rate timer: through the thread pool, and re-armed after each
 * answer, every period came out a few ms longer than `interval`, and the pickup's tail with it.
 */
function pollFolder(dir: string, interval: number, onChange: (name: string | undefined) => void, onError: (error: Error) => void): FolderWatcher {
	const identify = (stat: fs.Stats) => `${stat.ino}:${stat.mtimeMs}:${stat.ctimeMs}`;
	let previous = identify(fs.statSync(dir));
	const timer = setInterval(() => {
		try {
			const current = identify(fs.statSync(dir));
			if (current !== previous) {
				previous = current;
				onChange(undefined);
			}
		} catch (error) {
			onError(error as Error);
		}
	}, interval);
	return {
		async close() {
			clearInterval(timer);
		},
	};
}
