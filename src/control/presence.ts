import fs from 'node:fs';
import path from 'node:path';
import {removeOwnerFile, writeOwnerFile} from '../queue/owner-file.ts';

/**
 * Publishes a process that has no claims folder (the orchestrator) at `file`: its owner record
 * (queue/owner-file.ts), whose mtime is touched every `intervalMs` as its heartbeat, removed at close.
 * What `spool down` and queue/loops.ts read. Returns the function that removes it.
 */
export async function publishPresence(file: string, intervalMs = 1000): Promise<() => void> {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	if (!(await writeOwnerFile(file))) {
		return () => undefined;
	}

	const timer = setInterval(() => {
		const now = new Date();
		fs.utimes(file, now, now, () => undefined);
	}, intervalMs);
	timer.unref();
	return () => {
		clearInterval(timer);
		removeOwnerFile(file);
	};
}
