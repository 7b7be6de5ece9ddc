import path from 'node:path';
import {randomBytes} from 'node:crypto';

/*
 * Every name a file takes in the queue's folders, and the one parser that reads them back. A task's
 * state is the folder it lies in and what its name says (nq's rule), so `ls` shows the queue:
 *   ID.json                          a task: pending in tasks/W/, claimed in processing/W/OWNER/
 *   ID@ATTEMPT.RUNID.json            a started claim: attempt ATTEMPT, run RUNID (a UUID)
 *   .out-RANDOM-CLAIM                a claim being ended (fenced): exactly one ender renamed it so
 *   .ID@ATTEMPT.RUNID.result.json    the result of that run, written before the claim is ended
 *   .CLAIM.RANDOM.foreign            the original of another user's task, while the loop's own copy replaces it
 *   .NAME.RANDOM.tmp                 a temp file of an atomic write (queue/atomic-write.ts)
 *   .owner.json                      in processing/W/OWNER/: which process the loop is (queue/owner-file.ts); 'other' here
 * Anything else (editor debris, dotfiles) is never touched.
 */

/** A task id: the file name without ".json", safe as one path segment. `@` never occurs in one. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const STARTED = new RegExp(`^(.+)@(\\d+)\\.(${UUID})\\.json$`);
const FENCED = /^\.out-([0-9a-f]{8})-(.+)$/;
const RESULT = new RegExp(`^\\.(.+)@(\\d+)\\.(${UUID})\\.result\\.json$`);
const FOREIGN = /^\.(.+)\.([0-9a-f]{8})\.foreign$/;

export type Started = {attempt: number; runId: string};

/** A claim's own name: `ID.json` (claimed, not started) or `ID@ATTEMPT.RUNID.json` (started). */
export type ClaimName = {id: string; started?: Started};

export type EntryName =
	| {kind: 'task'; id: string}
	| {kind: 'started'; id: string; started: Started}
	| {kind: 'fenced'; claim: ClaimName; claimName: string}
	| {kind: 'result'; id: string; started: Started}
	| {kind: 'foreign'; claimName: string}
	| {kind: 'temp'}
	| {kind: 'other'};

/** Reads any name found in tasks/ or processing/. */
export function parseEntryName(name: string): EntryName {
	if (!name.startsWith('.')) {
		if (!isTaskFileName(name)) {
			return {kind: 'other'};
		}

		const claim = parseClaimName(name);
		return claim.started ? {kind: 'started', id: claim.id, started: claim.started} : {kind: 'task', id: claim.id};
	}

	const fenced = FENCED.exec(name);
	if (fenced && isTaskFileName(fenced[2]!)) {
		return {kind: 'fenced', claim: parseClaimName(fenced[2]!), claimName: fenced[2]!};
	}

	const result = RESULT.exec(name);
	if (result && ID_PATTERN.test(result[1]!)) {
		return {kind: 'result', id: result[1]!, started: {attempt: Number(result[2]), runId: result[3]!}};
	}

	const foreign = FOREIGN.exec(name);
	if (foreign && isTaskFileName(foreign[1]!)) {
		return {kind: 'foreign', claimName: foreign[1]!};
	}

	return name.endsWith('.tmp') ? {kind: 'temp'} : {kind: 'other'};
}

/** The task id a claim entry stands for, in any of its forms (claimed, started, fenced, its staged result). */
export function claimIdOf(name: string): string | undefined {
	const entry = parseEntryName(name);
	switch (entry.kind) {
		case 'task':
		case 'started':
		case 'result': {
			return entry.id;
		}

		case 'fenced': {
			return entry.claim.id;
		}

		default: {
			return undefined;
		}
	}
}

/**
 * Only non-dot `*.json` files are tasks. Editor debris (`.x.swp`, `x~`, `.#x`, `4913`, `x.tmp`) and
 * spool's own files (dot-names) never match.
 */
export function isTaskFileName(name: string): boolean {
	return !name.startsWith('.') && name.endsWith('.json') && name.length > '.json'.length;
}

export function taskIdOf(name: string): string {
	return name.slice(0, -'.json'.length);
}

/** Reads a claim's name: `ID.json` (claimed, not started) or `ID@ATTEMPT.RUNID.json` (started). */
export function parseClaimName(name: string): ClaimName {
	const started = STARTED.exec(name);
	if (started && ID_PATTERN.test(started[1]!)) {
		return {id: started[1]!, started: {attempt: Number(started[2]), runId: started[3]!}};
	}

	return {id: taskIdOf(name)};
}

export function taskFileName(id: string): string {
	return `${id}.json`;
}

/** A started claim's name: it counts the attempt and marks the run, so a sweeper can tell both after a crash. */
export function startedClaimName(id: string, attempt: number, runId: string): string {
	return `${id}@${attempt}.${runId}.json`;
}

/** Where an ender moves a claim it ends (`claimName` is the claim's name, as claimed or as started). */
export function fencedPath(intoDir: string, claimName: string): string {
	return path.join(intoDir, `.out-${randomBytes(4).toString('hex')}-${claimName}`);
}

/** The result file a run writes beside its claim before ending it: a crash after it costs no re-run. */
export function runResultPath(claimDir: string, id: string, started: Started): string {
	return path.join(claimDir, `.${id}@${started.attempt}.${started.runId}.result.json`);
}

export function foreignPath(claimFile: string): string {
	return path.join(path.dirname(claimFile), `.${path.basename(claimFile)}.${randomBytes(4).toString('hex')}.foreign`);
}

/** Why an id is unsafe, or undefined when it is fine. */
export function checkTaskId(id: string): string | undefined {
	if (ID_PATTERN.test(id)) {
		return undefined;
	}

	return `unsafe task id ${JSON.stringify(id)}: use 1-128 letters, digits, ".", "-" and "_", starting with a letter or digit`;
}

/** A file name that can stand for an unsafe id in results/ and rejected/. */
export function sanitizeTaskId(id: string): string {
	const safe = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 100);
	return safe || 'unnamed';
}
