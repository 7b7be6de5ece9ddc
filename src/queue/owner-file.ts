import fs from 'node:fs';
import os from 'node:os';
import {z} from 'zod';
import {writeJsonAtomic} from './atomic-write.ts';
import {OWNER_FILE_NAME} from './layout.ts';
import {readJsonFile} from './read-file.ts';
import {identifySelf, judgeProcess, type ProcessVerdict} from './process-identity.ts';

/**
 * processing/W/OWNER/.owner.json (a worker loop) and control/orchestrator.json: which process it is,
 * written when it starts, so that another process on the same machine and in the same pid namespace can
 * prove it gone (process-identity.ts) instead of waiting out a lease. A versioned record, parsed on read;
 * one that does not parse proves nothing. The dot-name keeps it out of every reading of claims.
 */
export const ownerRecordSchema = z.looseObject({
	version: z.literal(1),
	host: z.string(),
	bootId: z.string().min(1),
	/** The inode of /proc/self/ns/pid: pids are numbers within one pid namespace. */
	pidNamespace: z.number().int(),
	pid: z.number().int().positive(),
	/** /proc/PID/stat field 22, clock ticks after boot: tells this process from a later one with its pid. */
	startTime: z.number().int().nonnegative(),
	/** When the process started (ISO 8601): a `spool down` asked before it does not concern it. */
	startedAt: z.string(),
});

export type OwnerRecord = z.output<typeof ownerRecordSchema>;

const OWNER_RECORD_VERSION = 1;

/** When this process started, in ms since the epoch. */
export function processStartedAt(): number {
	return Math.round(performance.timeOrigin);
}

/**
 * Writes this process's record to `file`. Where /proc cannot tell who this is (not Linux), nothing is
 * written: other processes then judge this one by its heartbeat alone.
 */
export async function writeOwnerFile(file: string): Promise<boolean> {
	const identity = identifySelf();
	if (!identity) {
		return false;
	}

	const record: OwnerRecord = {version: OWNER_RECORD_VERSION, host: os.hostname(), ...identity, startedAt: new Date(processStartedAt()).toISOString()};
	await writeJsonAtomic(file, record);
	return true;
}

export function readOwnerFile(file: string): OwnerRecord | undefined {
	const parsed = ownerRecordSchema.safeParse(readJsonFile(file, 64 * 1024));
	return parsed.success ? parsed.data : undefined;
}

/** Whether the process an owner file names is gone, as far as this process can prove it. */
export function judgeOwnerFile(file: string): ProcessVerdict & {record?: OwnerRecord} {
	const record = readOwnerFile(file);
	if (!record) {
		return {kind: 'unknown', why: fs.existsSync(file) ? `${OWNER_FILE_NAME} cannot be read` : `no ${OWNER_FILE_NAME}`};
	}

	return {...judgeProcess(record), record};
}

/** Removes an owner file; false when it was not there. */
export function removeOwnerFile(file: string): boolean {
	try {
		fs.unlinkSync(file);
		return true;
	} catch {
		return false;
	}
}
