import fs from 'node:fs';
import {z} from 'zod';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import {readJsonFile} from '../queue/read-file.ts';
import {RUN_OUTCOMES, type LedgerEntry} from './entry.ts';
import {addRun, addSum, emptySum, type RunSum} from './sum.ts';
import {readLedgerFile} from './read-ledger.ts';

/** One day's ledger summed: by worker, up to `offset` bytes of the file (whole lines only). */
export type DayTally = {date: string; offset: number; lines: number; badLines: number; workers: Record<string, RunSum>};

/**
 * Version 2 sums what `spool cost` sums (every outcome, tokens), version 3 adds the `waiting` outcome,
 * version 4 the policy's refused commands; an older cache is read again from the ledger.
 */
const TALLY_VERSION = 4;

const tallySchema = z.object({
	version: z.literal(TALLY_VERSION),
	date: z.string(),
	offset: z.number().int().min(0),
	lines: z.number().int().min(0),
	badLines: z.number().int().min(0),
	workers: z.record(
		z.string(),
		z.object({
			runs: z.number(),
			costUsd: z.number(),
			estimatedUsd: z.number(),
			outcomes: z.record(z.enum(RUN_OUTCOMES), z.number()),
			usage: z.object({input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number()}),
			violations: z.number(),
			// Absent from a cache written before it: read as 0, as the lines it summed had none.
			blocked: z.number().default(0),
		}),
	),
});

/** How far a reader gets past the cache before it writes a newer one. */
const CACHE_STEP_BYTES = 256 * 1024;

export function emptyTally(date: string): DayTally {
	return {date, offset: 0, lines: 0, badLines: 0, workers: {}};
}

export function addEntry(tally: DayTally, entry: LedgerEntry): void {
	addRun((tally.workers[entry.worker] ??= emptySum()), entry);
}

/** What the home spent that day, every worker together. */
export function totalOf(tally: DayTally): RunSum {
	const total = emptySum();
	for (const worker of Object.values(tally.workers)) {
		addSum(total, worker);
	}

	return total;
}

/**
 * Brings `tally` up to the end of `file`: reads only the bytes past its offset, whole lines only (a line
 * being appended now is read next time). The ledger is append-only, so a tally of its first N bytes stays
 * true; a file shorter than the offset was replaced by hand, and is read again from its start.
 * Returns the tally (a new one when the file shrank).
 */
export function advanceTally(tally: DayTally, file: string): DayTally {
	// Before every claim, and nothing new almost always: one stat that builds no Error when the file is missing.
	const stat = fs.lstatSync(file, {throwIfNoEntry: false});
	if (!stat || stat.size === tally.offset) {
		return tally;
	}

	const current = stat.size < tally.offset ? emptyTally(tally.date) : tally;
	const read = readLedgerFile(file, entry => addEntry(current, entry), current.offset);
	current.lines += read.lines;
	current.badLines += read.badLines;
	current.offset = read.offset;
	return current;
}

/** A cached tally of the day's first bytes (ledger/.DATE.tally.json), so a reader starts from there. */
export function readCachedTally(cacheFile: string, date: string): DayTally {
	const parsed = tallySchema.safeParse(readJsonFile(cacheFile, 16 * 1024 * 1024));
	if (!parsed.success || parsed.data.date !== date) {
		return emptyTally(date);
	}

	const {version: _version, ...tally} = parsed.data;
	return tally;
}

/** Keeps what a reader summed for the next one; a cache that cannot be written only costs the next reader time. */
export async function writeCachedTally(cacheFile: string, tally: DayTally, cachedOffset: number): Promise<boolean> {
	if (tally.offset - cachedOffset < CACHE_STEP_BYTES) {
		return false;
	}

	try {
		await writeJsonAtomic(cacheFile, {version: TALLY_VERSION, ...tally});
		return true;
	} catch {
		return false;
	}
}
