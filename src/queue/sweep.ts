import fs from 'node:fs/promises';
import path from 'node:path';
import type {Layout} from './layout.ts';
import {writeJsonAtomic} from './atomic-write.ts';
import {isObject, lostAttempt} from './claim.ts';
import {claimOfFenced, fenceClaim, isFencedName, moveIntoQueue} from './lease.ts';
import {readJson, readResult} from './snapshot.ts';
import {isTaskFileName, type ClaimName} from './task-file.ts';

export type Expired = {id: string; owner: string; ageMs: number};

/**
 * Hands back the claims whose lease ran out (their loop died or froze), and finishes hand-offs a crash
 * interrupted. The attempt a dead loop was on stays counted. A claim whose attempt already wrote its
 * result (the loop died between result and cleanup) is simply removed. Each takeover is itself a fencing
 * rename into this loop's folder, so two sweepers never hand back the same claim twice.
 */
export async function sweepExpiredClaims(
	layout: Layout,
	worker: string,
	self: string,
	leaseMs: number,
	options: {isRunning: (file: string) => boolean; onRequeue: (expired: Expired) => void},
	now = Date.now(),
): Promise<void> {
	const mine = layout.claims(worker, self);
	for (const owner of (await readdirOrEmpty(layout.processing(worker))).filter(owner => !owner.startsWith('.'))) {
		const dir = layout.claims(worker, owner);
		const dirStat = await fs.stat(dir).catch(() => undefined);
		const ownerDead = owner !== self && dirStat !== undefined && now - dirStat.mtimeMs > leaseMs;
		if (ownerDead) {
			await restoreForeignClaims(dir);
		}

		const names = await readdirOrEmpty(dir);
		for (const name of names) {
			const file = path.join(dir, name);
			const stat = await fs.stat(file).catch(() => undefined);
			const stale = stat !== undefined && now - stat.mtimeMs > leaseMs;
			let out: string | undefined;
			if (isTaskFileName(name) && stale && !options.isRunning(file)) {
				// This loop's own folder too: a claim it no longer runs (a result it could not write) is an orphan.
				out = fenceClaim(file, mine);
			} else if (isFencedName(name) && owner === self && stale) {
				out = file; // A hand-off of this loop's that could not finish yet (the task's name was taken, a full disk).
			} else if (isFencedName(name) && ownerDead) {
				out = fenceClaim(file, mine);
			}

			if (out && (await finishFenced(layout, worker, out)) === 'requeued') {
				options.onRequeue({id: claimOfFenced(out).id, owner, ageMs: now - stat!.mtimeMs});
			}
		}

		if (ownerDead && names.length === 0) {
			await fs.rmdir(dir).catch(() => undefined);
		}
	}
}

/**
 * adopt-claim.ts moves another user's task file to `.NAME.RANDOM.foreign` before putting the loop's own
 * copy in its place. A loop that died between the two leaves only the dot-name: put it back as the claim
 * (then an expired claim like any other); when the copy made it, the original is just removed.
 */
async function restoreForeignClaims(dir: string): Promise<void> {
	for (const name of (await readdirOrEmpty(dir)).filter(name => name.startsWith('.') && name.endsWith('.foreign'))) {
		const claim = path.join(dir, name.slice(1).replace(/\.[0-9a-f]{8}\.foreign$/, ''));
		const foreign = path.join(dir, name);
		if (await fs.stat(claim).catch(() => undefined)) {
			await fs.rm(foreign, {force: true});
		} else {
			await fs.rename(foreign, claim).catch(() => undefined);
		}
	}
}

/**
 * A fenced claim whose result exists with its runId is done; any other goes back to the queue. A claim
 * whose run had started goes back with that attempt counted and its runId, by which the next claimer
 * records the attempt as lost.
 */
async function finishFenced(layout: Layout, worker: string, out: string): Promise<'done' | 'requeued' | 'waiting'> {
	const claim = claimOfFenced(out);
	const content = await readJson(out);
	const runId = claim.started?.runId ?? (isObject(content) ? content.runId : undefined);
	if (typeof runId === 'string' && runId === (await readResult(layout.resultFile(worker, claim.id)))?.runId) {
		await fs.rm(out, {force: true});
		return 'done';
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

	return (await moveIntoQueue(out, path.join(layout.tasks(worker), `${claim.id}.json`))) ? 'requeued' : 'waiting';
}

/**
 * The task file of a started claim whose loop died: its attempt counted, its runId, and in its history
 * the attempt before it when that one was lost too (the file came with an older runId). Once written,
 * the file carries this runId, so a sweep that repeats the step after a crash leaves it as it is.
 */
function startedContent(content: Record<string, unknown>, started: NonNullable<ClaimName['started']>): Record<string, unknown> {
	const {runId: previous, history, ...fields} = content;
	const records = [...(Array.isArray(history) ? history : []), ...(previous === undefined ? [] : [lostAttempt(started.attempt - 1)])];
	return {...fields, ...(records.length > 0 ? {history: records} : {}), attempts: started.attempt, runId: started.runId};
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
	return fs.readdir(dir).catch(() => []);
}
