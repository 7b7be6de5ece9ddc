import fs from 'node:fs';
import path from 'node:path';
import {writeJsonAtomic} from './atomic-write.ts';
import {CREDENTIAL_FILES} from './layout.ts';

/**
 * paused/WORKER.json: every loop of the worker (in every container) stops claiming while it exists.
 * An auth pause ends when the auth home's credentials change or on `spool resume`; a rate-limit pause
 * ends by itself at `until`.
 */
export type Pause = {
	reason: 'auth' | 'rate-limit';
	message: string;
	since: string;
	/** For a rate limit: when claiming may start again. */
	until?: string;
	/** For an auth pause: the credentials as they were, so a change can be noticed. */
	fingerprint?: string;
};

export function pauseFile(home: string, worker: string): string {
	return path.join(home, 'paused', `${worker}.json`);
}

/** Read before every claim, and almost always absent: existsSync answers that without building an Error. */
export function readPause(home: string, worker: string): Pause | undefined {
	const file = pauseFile(home, worker);
	if (!fs.existsSync(file)) {
		return undefined;
	}

	try {
		return JSON.parse(fs.readFileSync(file, 'utf8')) as Pause;
	} catch {
		return undefined;
	}
}

export async function writePause(home: string, worker: string, pause: Pause): Promise<void> {
	fs.mkdirSync(path.dirname(pauseFile(home, worker)), {recursive: true});
	await writeJsonAtomic(pauseFile(home, worker), pause);
}

export function clearPause(home: string, worker: string): boolean {
	try {
		fs.unlinkSync(pauseFile(home, worker));
		return true;
	} catch {
		return false;
	}
}

/** The files that hold a worker's credentials, by size and mtime: a change means someone logged in again. */
export function fingerprintAuthHome(authHome: string): string {
	const parts: string[] = [];
	for (const name of CREDENTIAL_FILES) {
		const stat = fs.statSync(path.join(authHome, name), {throwIfNoEntry: false});
		parts.push(stat ? `${name}:${stat.size}:${stat.mtimeMs}` : `${name}:-`);
	}

	return parts.join(' ');
}

/**
 * Whether the worker may claim now. Ends a rate-limit pause whose time has come and an auth pause
 * whose credentials changed.
 */
export function checkPause(home: string, worker: string, authHome: string, now = Date.now()): Pause | undefined {
	const pause = readPause(home, worker);
	if (!pause) {
		return undefined;
	}

	const over =
		pause.reason === 'rate-limit' ? Date.parse(pause.until ?? '') <= now : pause.fingerprint !== fingerprintAuthHome(authHome);
	if (over) {
		clearPause(home, worker);
		return undefined;
	}

	return pause;
}
