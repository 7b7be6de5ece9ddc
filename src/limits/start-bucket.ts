import fs from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import {isErrnoCode} from '../errors.ts';
import {readBucketFile, writeBucketFile} from './bucket-file.ts';
import {returnToken, takeToken, type BucketLevel, type BucketRule} from './token-bucket.ts';

/** A lock not refreshed for this long belongs to a dead process and is taken over (proper-lockfile's minimum is 2 s). */
const LOCK_STALE_MS = 5000;
/** How long a take waits for a lock another process holds (for well under a millisecond) before it tries again later. */
const LOCK_WAIT_MS = 25;
/** When a take that found a bucket locked all that while looks again. */
const BUSY_RETRY_MS = 100;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** One bucket a start takes from: its state file (control/starts/SCOPE.json) and its rule. */
export type Bucket = {file: string; rule: BucketRule};

export type StartTake = {ok: true} | {ok: false; retryAt: number};

/**
 * Takes one token from each bucket, or from none: a start under the home's limit and a worker's own
 * needs both. Each state file is read and written under its proper-lockfile lock, taken in the order of
 * the files' paths so two takes never wait on each other's second lock. The clock is read once every
 * lock is held, so a take that waited cannot date a bucket before the take that held it. When a bucket
 * is empty, nothing is taken and retryAt is the latest time one of them fills; when a lock stays held
 * past LOCK_WAIT_MS, it is "try again shortly". Synchronous: a take is a few system calls.
 */
export function takeStart(buckets: readonly Bucket[], clock: () => number = Date.now): StartTake {
	const ordered = [...buckets].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
	const held: string[] = [];
	try {
		for (const {file} of ordered) {
			if (!lockBucket(file)) {
				return {ok: false, retryAt: clock() + BUSY_RETRY_MS};
			}

			held.push(file);
		}

		const now = clock();
		const levels: Array<[string, BucketLevel]> = [];
		let retryAt = Number.NEGATIVE_INFINITY;
		for (const {file, rule} of ordered) {
			const taken = takeToken(readBucketFile(file), rule, now);
			if (taken.ok) {
				levels.push([file, taken.level]);
			} else {
				retryAt = Math.max(retryAt, taken.retryAt);
			}
		}

		if (Number.isFinite(retryAt)) {
			return {ok: false, retryAt};
		}

		for (const [file, level] of levels) {
			writeBucketFile(file, level);
		}

		return {ok: true};
	} finally {
		for (const file of held.reverse()) {
			lockfile.unlockSync(file, {lockfilePath: lockPathOf(file), realpath: false});
		}
	}
}

/**
 * Gives back the token of a start that did not happen (another loop claimed the task first), one bucket
 * at a time under its lock. A bucket whose lock stays held keeps the token: a start may be lost, never
 * made twice.
 */
export function returnStart(buckets: readonly Bucket[], clock: () => number = Date.now): void {
	for (const {file, rule} of buckets) {
		if (!lockBucket(file)) {
			continue;
		}

		try {
			writeBucketFile(file, returnToken(readBucketFile(file), rule, clock()));
		} finally {
			lockfile.unlockSync(file, {lockfilePath: lockPathOf(file), realpath: false});
		}
	}
}

/** Takes a bucket's lock, waiting up to LOCK_WAIT_MS for another process to let go; false if it did not. */
function lockBucket(file: string): boolean {
	const deadline = performance.now() + LOCK_WAIT_MS;
	let madeFolder = false;
	for (;;) {
		try {
			lockfile.lockSync(file, {lockfilePath: lockPathOf(file), realpath: false, stale: LOCK_STALE_MS});
			return true;
		} catch (error) {
			if (isErrnoCode(error, 'ENOENT') && !madeFolder) {
				madeFolder = true;
				fs.mkdirSync(path.dirname(file), {recursive: true}); // The first take of the home: control/starts/ is made here.
				continue;
			}

			if (!isErrnoCode(error, 'ELOCKED')) {
				throw error;
			}
		}

		if (performance.now() >= deadline) {
			return false;
		}

		Atomics.wait(sleeper, 0, 0, 1); // A synchronous millisecond's sleep: the holder needs less.
	}
}

function lockPathOf(file: string): string {
	return `${file}.lock`;
}
