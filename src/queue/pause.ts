import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {writeJsonAtomic} from './atomic-write.ts';
import {readJsonFile} from './read-file.ts';
import {CREDENTIAL_FILES, pauseFileOf} from './layout.ts';

/**
 * paused/WORKER.json: every loop of the worker (in every container) stops claiming while it exists.
 * An auth pause ends when the auth home's credentials change or on `spool resume`; a rate-limit pause
 * ends by itself at `until`. A versioned record, parsed on read; one without `version` was written
 * before the field and reads as version 1.
 */
export const pauseSchema = z.looseObject({
	version: z.number().int().min(1).default(1),
	reason: z.enum(['auth', 'rate-limit']),
	message: z.string(),
	since: z.string(),
	/** For a rate limit: when claiming may start again. */
	until: z.string().optional(),
	/** For an auth pause: the credentials as they were, so a change can be noticed. */
	fingerprint: z.string().optional(),
});

export type Pause = z.output<typeof pauseSchema>;

const PAUSE_VERSION = 1;

export function pauseFile(home: string, worker: string): string {
	return pauseFileOf(home, worker);
}

/** Read before every claim, and almost always absent: existsSync answers that without building an Error. */
export function readPause(home: string, worker: string): Pause | undefined {
	const file = pauseFile(home, worker);
	if (!fs.existsSync(file)) {
		return undefined;
	}

	const parsed = pauseSchema.safeParse(readJsonFile(file, 64 * 1024));
	return parsed.success ? parsed.data : undefined;
}

export async function writePause(home: string, worker: string, pause: Omit<Pause, 'version'>): Promise<void> {
	fs.mkdirSync(path.dirname(pauseFile(home, worker)), {recursive: true});
	await writeJsonAtomic(pauseFile(home, worker), {version: PAUSE_VERSION, ...pause});
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

	if (whyPauseEnds(pause, authHome, now)) {
		clearPause(home, worker);
		return undefined;
	}

	return pause;
}

/** Why a pause is over by its own rule (the reset time came, the credentials changed), or undefined while it holds. */
export function whyPauseEnds(pause: Pause, authHome: string, now = Date.now()): string | undefined {
	if (pause.reason === 'auth') {
		return pause.fingerprint === fingerprintAuthHome(authHome) ? undefined : `the credentials in its auth home changed (${CREDENTIAL_FILES.join(' or ')})`;
	}

	// An unreadable `until` ends a rate-limit pause: no pause may hold a worker forever.
	const until = Date.parse(pause.until ?? '');
	if (Number.isNaN(until)) {
		return `its end time ${JSON.stringify(pause.until ?? null)} cannot be read`;
	}

	return until > now ? undefined : `the rate limit reset at ${pause.until}`;
}
