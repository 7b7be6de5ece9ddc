import fs from 'node:fs';
import path from 'node:path';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import {OWNER_FILE_NAME, type Layout} from '../queue/layout.ts';
import {judgeLoop} from '../queue/loops.ts';
import {readResultFile} from '../queue/result.ts';
import {isObject, readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';
import {lostAttempt} from './claim.ts';
import {placeResult} from './commit.ts';
import {fenceClaim, moveIntoQueue} from './fence.ts';
import {parseEntryName, runResultPath, type ClaimName, type Started} from './names.ts';

/** `loop-gone`: its loop's owner file proved the process gone; `lease-expired`: the claim was not renewed for a lease. */
export type Expired = {id: string; owner: string; ageMs: number; reason: 'lease-expired' | 'loop-gone'};

/**
 * The expire transition: hands back the claims whose lease ran out (their loop died or froze), or whose
 * loop is proven gone (queue/loops.ts: its owner file names a process that no longer runs), and
 * finishes hand-offs a crash interrupted. The attempt a dead loop was on stays counted. A claim whose
 * attempt already wrote its result, or staged it beside the claim, is finished with that result instead
 * of being run again. Each takeover is itself a fencing rename into this loop's folder, so two sweepers
 * never hand back the same claim twice. Entries are lstat-ed, never followed.
 */
export async function expireClaims(
	layout: Layout,
	worker: string,
	self: string,
	leaseMs: number,
	options: {isRunning: (file: string) => boolean; onRequeue: (expired: Expired) => void; onError?: (name: string, error: Error) => void},
	now = Date.now(),
): Promise<void> {
	const mine = layout.claims(worker, self);
	for (const owner of readdirOrEmpty(layout.processing(worker)).filter(owner => !owner.startsWith('.'))) {
		const dir = layout.claims(worker, owner);
		const dirStat = fs.lstatSync(dir, {throwIfNoEntry: false});
		if (!dirStat?.isDirectory()) {
			continue;
		}

		// A loop whose owner file proves its process gone gives its claims back now, not a lease later.
		const loop = owner === self ? undefined : judgeLoop(`worker ${worker}`, owner, dir, leaseMs, now);
		const ownerGone = loop?.gone === 'process';
		const ownerDead = loop !== undefined && !loop.alive;
		if (ownerDead) {
			restoreForeignClaims(dir);
		}

		const names = readdirOrEmpty(dir);
		for (const name of names) {
			const file = path.join(dir, name);
			const stat = fs.lstatSync(file, {throwIfNoEntry: false});
			const stale = stat !== undefined && (ownerGone || now - stat.mtimeMs > leaseMs);
			const entry = parseEntryName(name);
			try {
				let out: string | undefined;
				if ((entry.kind === 'task' || entry.kind === 'started') && stale && !options.isRunning(file)) {
					// This loop's own folder too: a claim it no longer runs (a result it could not write) is an orphan.
					out = fenceClaim(file, mine);
				} else if (entry.kind === 'fenced' && owner === self && stale) {
					out = file; // A hand-off of this loop's that could not finish yet (the task's name was taken, a full disk).
				} else if (entry.kind === 'fenced' && ownerDead) {
					out = fenceClaim(file, mine);
				}

				if (out && (await finishFenced(layout, worker, out, dir)) === 'requeued') {
					options.onRequeue({id: parseFenced(out).id, owner, ageMs: now - stat!.mtimeMs, reason: ownerGone ? 'loop-gone' : 'lease-expired'});
				}
			} catch (error) {
				// One entry that cannot be handed back (a name too long to fence) must not stop the sweep of the others.
				options.onError?.(name, error as Error);
			}
		}

		if (ownerDead && readdirOrEmpty(dir).every(name => name === OWNER_FILE_NAME)) {
			removeLoopFolder(dir);
		}
	}
}

/**
 * Removes a claims folder that holds nothing but its owner file: the file first, or the folder is not
 * empty. Also the loop's own at close.
 */
export function removeLoopFolder(dir: string): void {
	fs.rmSync(path.join(dir, OWNER_FILE_NAME), {force: true});
	try {
		fs.rmdirSync(dir);
	} catch {
		// A claim came in meanwhile (its loop came back), or another sweeper removed it.
	}
}

/**
 * adopt-claim.ts moves another user's task file to `.NAME.RANDOM.foreign` before putting the loop's own
 * copy in its place. A loop that died between the two leaves only the dot-name: put it back as the claim
 * (then an expired claim like any other); when the copy made it, the original is just removed.
 */
function restoreForeignClaims(dir: string): void {
	for (const name of readdirOrEmpty(dir)) {
		const entry = parseEntryName(name);
		if (entry.kind !== 'foreign') {
			continue;
		}

		const claim = path.join(dir, entry.claimName);
		const foreign = path.join(dir, name);
		if (fs.lstatSync(claim, {throwIfNoEntry: false})) {
			fs.rmSync(foreign, {force: true});
		} else {
			try {
				fs.renameSync(foreign, claim);
			} catch {
				// Another sweeper restored it first.
			}
		}
	}
}

/**
 * A fenced claim whose run finished is done: its result is in place (with its runId), or staged beside
 * the claim in `claimDir` by a loop that died before placing it, and placed now. Any other goes back to
 * the queue. A claim whose run had started goes back with that attempt counted and its runId, by which
 * the next claimer records the attempt as lost.
 */
async function finishFenced(layout: Layout, worker: string, out: string, claimDir: string): Promise<'done' | 'requeued' | 'waiting'> {
	const claim = parseFenced(out);
	if ((fs.lstatSync(out, {throwIfNoEntry: false})?.nlink ?? 1) > 1) {
		// Its hand-off linked it into tasks/ or waiting/ before a crash cut the unlink short: only this name is left over.
		fs.rmSync(out, {force: true});
		return 'done';
	}

	// Read the safe way: it may be a FIFO or a symlink that was claimed to be rejected.
	const content = readJsonFile(out, TASK_LIMITS.maxBytes);
	const runId = claim.started?.runId ?? (isObject(content) ? content.runId : undefined);
	if (typeof runId === 'string' && runId === readResultFile(layout.resultFile(worker, claim.id))?.runId) {
		fs.rmSync(out, {force: true});
		if (claim.started) {
			fs.rmSync(runResultPath(claimDir, claim.id, claim.started), {force: true});
		}

		return 'done';
	}

	if (claim.started) {
		const staged = runResultPath(claimDir, claim.id, claim.started);
		if (readResultFile(staged)?.runId === claim.started.runId) {
			try {
				await placeResult(layout, worker, claim.id, staged, claim.started.runId);
			} catch {
				// results/ still cannot take it: the staged result moves beside the fenced claim, where the next sweep looks.
				fs.renameSync(staged, runResultPath(path.dirname(out), claim.id, claim.started));
				return 'waiting';
			}

			fs.rmSync(out, {force: true});
			fs.rmSync(staged, {force: true});
			return 'done';
		}
	}

	if (claim.started && isObject(content) && content.runId !== claim.started.runId) {
		try {
			await writeJsonAtomic(out, startedContent(content, claim.started));
		} catch {
			// A full disk: requeued as claimed, the attempt would go uncounted and the task could be paid for
			// again and again. The fenced file waits in this loop's folder; a later sweep tries again.
			return 'waiting';
		}
	}

	return (await moveIntoQueue(out, layout.taskFile(worker, claim.id))) ? 'requeued' : 'waiting';
}

/** The claim a fenced file was: `.out-RANDOM-ID.json` or `.out-RANDOM-ID@ATTEMPT.RUNID.json`. */
function parseFenced(out: string): ClaimName {
	const entry = parseEntryName(path.basename(out));
	if (entry.kind !== 'fenced') {
		throw new Error(`not a fenced claim: ${out}`);
	}

	return entry.claim;
}

/**
 * The task file of a started claim whose loop died: its attempt counted, its runId, and in its history
 * the attempt before it when that one was lost too (the file came with an older runId). Once written,
 * the file carries this runId, so a sweep that repeats the step after a crash leaves it as it is.
 */
function startedContent(content: Record<string, unknown>, started: Started): Record<string, unknown> {
	const {runId: previous, history, ...fields} = content;
	const records = [...(Array.isArray(history) ? history : []), ...(previous === undefined ? [] : [lostAttempt(started.attempt - 1)])];
	return {...fields, ...(records.length > 0 ? {history: records} : {}), attempts: started.attempt, runId: started.runId};
}
