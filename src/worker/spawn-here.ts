import {startRunProcess} from './run-process.js';
import type {ExitStatus, SpawnOutcome, SpawnRequest} from './spawner.ts';

/**
 * A run started from this process itself: what every run used before the helper (spawner.ts), and its
 * fallback when the helper cannot start or died; SPOOL_SPAWN_DIRECT=1 makes it the only way.
 */
export function spawnHere(request: SpawnRequest): Promise<SpawnOutcome> {
	let child: ReturnType<typeof startRunProcess>;
	try {
		child = startRunProcess(request);
	} catch (error) {
		return Promise.resolve({ok: false, error: error as NodeJS.ErrnoException});
	}

	if (child.pid === undefined) {
		return new Promise(resolve => child.once('error', error => resolve({ok: false, error})));
	}

	child.once('error', () => undefined); // After a start, 'exit' and 'close' say what happened.
	const exited = new Promise<ExitStatus>(resolve => child.once('exit', (code, signal) => resolve([code, signal])));
	const closed = new Promise<ExitStatus>(resolve => child.once('close', (code, signal) => resolve([code, signal])));
	return Promise.resolve({ok: true, child: {pid: child.pid, stdout: child.stdout, stderr: child.stderr, exited, closed}});
}
