import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import {z} from 'zod';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readJsonFile} from '../queue/read-file.ts';

export const QUOTA_VERSION = 1;

const windowSchema = z.looseObject({
	/** The share of the window used, 0..1, as the API said it after the last run. */
	utilization: z.number(),
	resetsAt: z.string(),
	status: z.string().nullable(),
});

/**
 * control/quota/ACCOUNT.json: what spool knows of one subscription account (queue/layout.ts). The
 * windows as the last run's rate_limit_event gave them, the usage-limit pause after a rejection, and
 * the probe: the one run that goes first when the pause ends. A versioned record, parsed on read;
 * fields a later version adds are kept (loose). docs/quota.md describes it.
 */
export const quotaRecordSchema = z.looseObject({
	version: z.number().int().min(1),
	account: z.string(),
	/** Where the key came from: the account id of a login, a token's hash, or the worker alone. */
	source: z.enum(['account', 'token', 'worker']),
	/** When the windows were last seen, and by which worker. */
	updatedAt: z.string().nullable(),
	observedBy: z.string().nullable(),
	/** The workers whose runs were seen on this account (status finds a worker's account by it). */
	workers: z.array(z.string()).default([]),
	/** The overall status of the last event (allowed, allowed_warning, rejected) and the window that decided it. */
	status: z.string().nullable(),
	rateLimitType: z.string().nullable(),
	isUsingOverage: z.boolean().nullable(),
	windows: z.record(z.string(), windowSchema),
	/** After a usage-limit rejection: no run of the account starts before `until`. */
	pause: z
		.looseObject({until: z.string(), since: z.string(), message: z.string(), worker: z.string(), resetsAt: z.string().nullable()})
		.optional(),
	/** Once the pause is over: the run that goes first (`owner` is its loop); the others wait for its answer. */
	probe: z
		.looseObject({owner: z.string(), worker: z.string(), task: z.string(), runId: z.string(), takenAt: z.string(), expiresAt: z.string()})
		.optional(),
});

export type QuotaRecord = z.output<typeof quotaRecordSchema>;
export type StoredWindow = z.output<typeof windowSchema>;
export type QuotaPause = NonNullable<QuotaRecord['pause']>;
export type QuotaProbe = NonNullable<QuotaRecord['probe']>;

/** Records are small; anything larger is not one. */
const MAX_RECORD_BYTES = 256 * 1024;

/** A lock not refreshed for this long is a dead process's: proper-lockfile's minimum. Held for a read and a write only. */
const LOCK_STALE_MS = 5000;

export function emptyQuotaRecord(account: string, source: QuotaRecord['source']): QuotaRecord {
	return {version: QUOTA_VERSION, account, source, updatedAt: null, observedBy: null, workers: [], status: null, rateLimitType: null, isUsingOverage: null, windows: {}};
}

/** The record of an account; undefined when there is none or it cannot be read (a damaged record is as none). */
export function readQuotaRecord(layout: Layout, account: string): QuotaRecord | undefined {
	const parsed = quotaRecordSchema.safeParse(readJsonFile(layout.quotaFile(account), MAX_RECORD_BYTES));
	return parsed.success ? parsed.data : undefined;
}

/**
 * Changes an account's record under a lock, so that loops of several workers and containers that share
 * the account never lose each other's change (a pause written while another loop records its windows).
 * `change` returns the new record, or the same object for no change (nothing is written).
 */
export async function updateQuotaRecord(layout: Layout, account: string, source: QuotaRecord['source'], change: (record: QuotaRecord) => QuotaRecord): Promise<QuotaRecord> {
	const file = layout.quotaFile(account);
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const release = await lockfile.lock(file, {
		realpath: false,
		lockfilePath: `${file}.lock`,
		stale: LOCK_STALE_MS,
		retries: {retries: 100, minTimeout: 5, maxTimeout: 50, factor: 1.5},
		// Held for a few ms: compromised only if this process stalled past the stale time; the write is atomic either way.
		onCompromised: () => {},
	});
	try {
		const before = readQuotaRecord(layout, account) ?? emptyQuotaRecord(account, source);
		const after = change(before);
		if (after !== before) {
			await writeJsonAtomic(file, {...after, version: QUOTA_VERSION});
		}

		return after;
	} finally {
		await release().catch(() => undefined);
	}
}
