import fs from 'node:fs';
import path from 'node:path';
import {randomUUID} from 'node:crypto';
import {isErrnoCode} from '../errors.ts';
import type {TaskError} from '../queue/error-codes.ts';
import {syncDirectory} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {isObject} from '../queue/read-file.ts';
import {checkDepth, readTaskFile} from '../queue/task-limits.ts';
import type {AttemptRecord} from '../queue/task-schema.ts';
import {adoptForeignClaim} from './adopt-claim.ts';
import {startedClaimName, taskIdOf} from './names.ts';

/** A task this loop holds: the file lies in processing/WORKER/OWNER/ and its mtime is the lease. */
export type Claim = {
	id: string;
	worker: string;
	owner: string;
	/** Unique per attempt; in the started claim's name and in the result, so a sweeper can tell a finished claim. */
	runId: string;
	/** processing/W/OWNER/ID.json, and ID@ATTEMPT.RUNID.json once the run started (startRun). */
	file: string;
	/** The task file's JSON as the user wrote it, without spool's bookkeeping fields (`attempts`, `runId`). */
	raw: unknown;
	/** This attempt's number, counting the runs that came before it. */
	attempt: number;
	/** The attempt before this one died with its loop: the claim came back with that attempt's runId. */
	interrupted: boolean;
	claimedAt: Date;
};

/** `bad`: the file is held, but is no task that can run (not a file, too large, too deep, not JSON): it is to be rejected. */
export type ClaimOutcome = {kind: 'claimed'; claim: Claim} | {kind: 'bad'; claim: Claim; error: TaskError} | {kind: 'gone'};

/**
 * The claim transition: takes `tasks/WORKER/NAME` by renaming it into this loop's folder; of several
 * racing loops exactly one rename succeeds. The file keeps the bytes the user wrote (a rejected task
 * moves on as it came); `startRun` later marks the run's start in its name. An entry that is not a
 * regular file (a symlink, a FIFO) is renamed as it is, never opened or touched through, to be rejected.
 */
export async function claimTask(layout: Layout, worker: string, owner: string, name: string): Promise<ClaimOutcome> {
	const file = path.join(layout.claims(worker, owner), name);
	const source = path.join(layout.tasks(worker), name);
	const claimedAt = new Date();
	let foreign = false;
	try {
		// Touched first: a claim must never appear in processing/ with the old mtime of the task file,
		// or a sweep would take it for an expired lease. lutimes: a symlink's target is never touched.
		foreign = !touchEntry(source, claimedAt);
		fs.renameSync(source, file);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return {kind: 'gone'};
		}

		throw error;
	}

	const shownAs = path.join('tasks', worker, name);
	const base = {id: taskIdOf(name), worker, owner, runId: randomUUID(), file, claimedAt, raw: undefined, attempt: 1, interrupted: false};
	const read = readTaskFile(file, shownAs);
	if (read.kind === 'gone') {
		return {kind: 'gone'};
	}

	if (read.kind === 'bad') {
		return {kind: 'bad', claim: base, error: read.error};
	}

	if (foreign && !(await adoptForeignClaim(file))) {
		return {kind: 'gone'};
	}

	const deep = checkDepth(read.text, shownAs);
	if (deep) {
		return {kind: 'bad', claim: base, error: deep};
	}

	let raw: unknown;
	try {
		raw = JSON.parse(read.text);
	} catch (error) {
		const why = read.text.trim() === '' ? 'the file is empty' : (error as Error).message;
		return {kind: 'bad', claim: base, error: {code: 'invalid_json', message: `not valid JSON: ${why}`}};
	}

	if (!isObject(raw)) {
		return {kind: 'claimed', claim: {...base, raw}};
	}

	const {attempts, runId, ...fields} = raw;
	const attempt = (typeof attempts === 'number' && attempts >= 0 ? attempts : 0) + 1;
	return {kind: 'claimed', claim: {...base, raw: {...fields, ...(attempts === undefined ? {} : {attempts})}, attempt, interrupted: runId !== undefined}};
}

/**
 * The start transition, before claude starts: the claim is renamed `ID@ATTEMPT.RUNID.json`, so a crash
 * from here on costs one attempt and a sweeper can tell whether the attempt already wrote its result.
 * The content stays as claimed (a rename creates and deletes no file). The folder's fsync, which makes
 * the stamp outlast a power cut, runs while claude starts: `durable` settles with it (undefined, or the
 * error), and the run waits for it before its result is staged. It took up to 180 ms on this machine's
 * disk under load, all of it between the claim and claude's start. A kill -9 needs no fsync.
 * Undefined when the claim was ended meanwhile (a stalled loop's lease expired): the stamp must not bring
 * a fenced claim back to life.
 */
export function startRun(claim: Claim): {durable: Promise<Error | undefined>} | undefined {
	const started = path.join(path.dirname(claim.file), startedClaimName(claim.id, claim.attempt, claim.runId));
	try {
		fs.renameSync(claim.file, started);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return undefined;
		}

		throw error;
	}

	claim.file = started;
	// Handled at once: a failed fsync must not be an unhandled rejection before the run looks at it.
	const durable = syncDirectory(path.dirname(started)).then(
		() => undefined,
		(error: unknown) => (error instanceof Error ? error : new Error(String(error))),
	);
	return {durable};
}

/** The record of an attempt whose loop died or froze: the claim came back with that attempt's runId. */
export function lostAttempt(attempt: number): AttemptRecord {
	return {attempt, error: {code: 'worker_lost', message: 'the worker loop died or froze during this attempt (its lease expired)'}, finishedAt: new Date().toISOString()};
}

/** False when the entry belongs to another user, whose file's times only root could set. */
function touchEntry(file: string, at: Date): boolean {
	try {
		fs.lutimesSync(file, at, at);
		return true;
	} catch (error) {
		if (isErrnoCode(error, 'EPERM')) {
			return false;
		}

		throw error;
	}
}

/** The task as the user wrote it, without spool's bookkeeping: what a result keeps, and what a retry queues again. */
export function taskAsDropped(raw: Record<string, unknown>): Record<string, unknown> {
	const {attempts: _a, history: _h, retryAt: _r, runId: _id, ask: _ask, questions: _q, ...task} = raw;
	return task;
}
