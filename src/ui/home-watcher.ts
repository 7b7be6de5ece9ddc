import path from 'node:path';
import {watchFolder, type FolderWatcher} from '../queue/folder-watch.ts';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty} from '../queue/read-file.ts';

/** A folder of the home changed; `name` is the entry a native event named, if it named one. */
export type FolderChange = {dir: string; name?: string};

export type HomeWatcherOptions = {
	/** Stat polling instead of native events (queue.usePolling). */
	usePolling: boolean;
	/** How long a burst of changes is gathered before it is told, at most `maxWaitMs` after its first. */
	debounceMs: number;
	maxWaitMs: number;
	/** How often the set of watched folders is checked for new ones (a loop's claims folder, a worker's results/). */
	refreshMs: number;
	/** How often a "look at everything" hint is told, so a missed event costs a delay and never a stale page. */
	rescanMs: number;
};

export const HOME_WATCHER_DEFAULTS: HomeWatcherOptions = {usePolling: false, debounceMs: 60, maxWaitMs: 250, refreshMs: 2000, rescanMs: 30_000};

/**
 * One watcher of the home for every open page: a native watch (inotify) on each folder that holds a
 * task's state or what the overview shows, never a scan per page. Its events are hints, gathered into
 * one batch per burst; `onChanges(changes, rescan)` then says which folders moved (rescan: look at
 * everything, on a timer). Watches are one per folder, however many files it holds: Node's recursive
 * watch on Linux stats every file, which a results/ of 100,000 files cannot afford.
 */
export class HomeWatcher {
	readonly #layout: Layout;
	readonly #workers: readonly string[];
	readonly #options: HomeWatcherOptions;
	readonly #onChanges: (changes: FolderChange[], rescan: boolean) => void;
	readonly #onError: (error: Error) => void;
	readonly #watchers = new Map<string, FolderWatcher>();
	#batch: FolderChange[] = [];
	#rescan = false;
	#firstAt: number | undefined;
	#flushTimer: NodeJS.Timeout | undefined;
	readonly #timers: NodeJS.Timeout[] = [];
	#closed = false;

	constructor(layout: Layout, workers: readonly string[], onChanges: (changes: FolderChange[], rescan: boolean) => void, options: Partial<HomeWatcherOptions> = {}, onError: (error: Error) => void = () => undefined) {
		this.#layout = layout;
		this.#workers = workers;
		this.#options = {...HOME_WATCHER_DEFAULTS, ...options};
		this.#onChanges = onChanges;
		this.#onError = onError;
	}

	start(): void {
		this.#refresh();
		this.#timers.push(setInterval(() => this.#refresh(), this.#options.refreshMs));
		this.#timers.push(setInterval(() => {
			this.#rescan = true;
			this.#schedule();
		}, this.#options.rescanMs));
		for (const timer of this.#timers) {
			timer.unref();
		}
	}

	/** Safe to call twice. */
	async close(): Promise<void> {
		this.#closed = true;
		for (const timer of this.#timers) {
			clearInterval(timer);
		}

		clearTimeout(this.#flushTimer);
		await Promise.all([...this.#watchers.values()].map(async watcher => watcher.close()));
		this.#watchers.clear();
	}

	/** The folders that matter now: the home's state folders, each worker's, and each loop's claims folder. */
	wantedFolders(): string[] {
		const {home} = this.#layout;
		const roots = ['tasks', 'processing', 'waiting', 'results', 'paused', 'ledger', 'control', path.join('control', 'quota'), path.join('control', 'cancel'), 'workflows', path.join('results', 'workflows'), 'reports'].map(name => path.join(home, name));
		const folders = [home, ...roots];
		for (const worker of this.#workers) {
			folders.push(this.#layout.tasks(worker), this.#layout.processing(worker), this.#layout.waiting(worker), this.#layout.results(worker));
			for (const owner of readdirOrEmpty(this.#layout.processing(worker)).filter(name => !name.startsWith('.'))) {
				folders.push(this.#layout.claims(worker, owner));
			}
		}

		return folders;
	}

	#refresh(): void {
		if (this.#closed) {
			return;
		}

		const wanted = new Set(this.wantedFolders());
		for (const [dir, watcher] of this.#watchers) {
			if (!wanted.has(dir)) {
				void watcher.close();
				this.#watchers.delete(dir);
			}
		}

		for (const dir of wanted) {
			if (this.#watchers.has(dir)) {
				continue;
			}

			try {
				const watcher = watchFolder(dir, {usePolling: this.#options.usePolling, interval: 250}, name => this.#changed(dir, name), error => this.#lost(dir, error));
				this.#watchers.set(dir, watcher);
				// What happened in it before the watch began is told too: a folder made with files already in it.
				this.#changed(dir, undefined);
			} catch {
				// Not there (yet): its parent's event, or the next refresh, watches it once it is.
			}
		}
	}

	#changed(dir: string, name: string | undefined): void {
		this.#batch.push(name === undefined ? {dir} : {dir, name});
		// A new folder (a loop's claims folder, a worker's results/) is watched at once, not at the next refresh.
		if (name !== undefined && !name.includes('.') && !this.#closed) {
			queueMicrotask(() => this.#refresh());
		}

		this.#schedule();
	}

	#lost(dir: string, error: Error): void {
		void this.#watchers.get(dir)?.close();
		this.#watchers.delete(dir);
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
			this.#onError(error);
		}

		this.#changed(path.dirname(dir), path.basename(dir));
	}

	#schedule(): void {
		if (this.#closed) {
			return;
		}

		const now = Date.now();
		this.#firstAt ??= now;
		clearTimeout(this.#flushTimer);
		const wait = Math.min(this.#options.debounceMs, Math.max(0, this.#firstAt + this.#options.maxWaitMs - now));
		this.#flushTimer = setTimeout(() => this.#flush(), wait);
	}

	#flush(): void {
		const batch = this.#batch;
		const rescan = this.#rescan;
		this.#batch = [];
		this.#rescan = false;
		this.#firstAt = undefined;
		try {
			this.#onChanges(batch, rescan);
		} catch (error) {
			this.#onError(error as Error);
		}
	}
}
