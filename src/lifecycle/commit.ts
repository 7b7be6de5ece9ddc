import fs from 'node:fs';
import path from 'node:path';
import {crashPoint} from '../crash-points.ts';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor, writeFileDurable} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import type {Claim} from './claim.ts';
import {fenceClaim, unfenceClaim} from './fence.ts';
import {parseClaimName, runResultPath} from './names.ts';

export type CommitOutcome = 'written' | 'lease-lost';

/**
 * The commit transition: writes results/WORKER/ID.json exactly once for a started claim. The result is
 * first written and fsynced beside the claim (`.ID@ATTEMPT.RUNID.result.json`), so from then on a crash
 * costs no re-run: a sweep that finds the claim expired commits that file instead of requeuing the task.
 * Then the claim is fenced (one atomic rename decides between this loop and a sweeper) and the result
 * linked into place. A result that cannot be placed (results/ read-only, a full disk) throws with the
 * claim un-fenced, still this loop's: the caller keeps the result and tries again.
 */
export async function commitResult(layout: Layout, claim: Claim, result: TaskResult): Promise<CommitOutcome> {
	const started = parseClaimName(path.basename(claim.file)).started;
	const staged = started ? runResultPath(path.dirname(claim.file), claim.id, started) : tempPathFor(layout.resultFile(claim.worker, claim.id));
	if (!started) {
		// Only then does the staged file lie in results/, which placeResult would re-create too late.
		fs.mkdirSync(layout.results(claim.worker), {recursive: true});
	}

	// An earlier try that staged this run's result and could not place it: that durable copy is kept.
	if (readResultFile(staged)?.runId !== result.runId) {
		fs.rmSync(staged, {force: true});
		try {
			await writeFileDurable(staged, serializeResult(result));
		} catch (error) {
			fs.rmSync(staged, {force: true}); // A full disk leaves a partial file.
			if (started && isErrnoCode(error, 'ENOENT') && !fs.existsSync(claim.file)) {
				// The claim's folder is gone with the claim: another loop took it over (and its sweep removed the folder).
				return 'lease-lost';
			}

			throw error;
		}
	}

	crashPoint('after-temp-result');
	const out = fenceClaim(claim.file, path.dirname(claim.file));
	if (!out) {
		fs.rmSync(staged, {force: true});
		return 'lease-lost';
	}

	try {
		await placeResult(layout, claim.worker, claim.id, staged, result.runId);
	} catch (error) {
		unfenceClaim(out, claim.file);
		throw error;
	}

	crashPoint('after-rename');
	fs.rmSync(out, {force: true});
	fs.rmSync(staged, {force: true});
	return 'written';
}

/**
 * The one writer of results/WORKER/ID.json, used by every path (a run, a rejection, a sweep that finishes
 * a dead loop's commit): a hard link from a durable file, which never overwrites. A result already there
 * from another run of the same id (the id was dropped again) moves to .history first, so both are kept;
 * one with this run's runId means the work is done already. Folders that were deleted are re-created.
 */
export async function placeResult(layout: Layout, worker: string, id: string, staged: string, runId: string): Promise<void> {
	const file = layout.resultFile(worker, id);
	fs.mkdirSync(layout.results(worker), {recursive: true});
	for (let tries = 0; ; tries++) {
		try {
			fs.linkSync(staged, file);
			break;
		} catch (error) {
			if (!isErrnoCode(error, 'EEXIST') || tries >= 3) {
				throw error;
			}

			if (readResultFile(file)?.runId === runId) {
				return;
			}

			archivePreviousResult(layout, worker, id);
		}
	}

	await syncDirectory(layout.results(worker));
}

/** Writes a result that belongs to no started run (a rejection) through the same no-overwrite writer. */
export async function writeResult(layout: Layout, result: TaskResult): Promise<void> {
	fs.mkdirSync(layout.results(result.worker), {recursive: true});
	const temp = tempPathFor(layout.resultFile(result.worker, result.id));
	try {
		await writeFileDurable(temp, serializeResult(result));
		await placeResult(layout, result.worker, result.id, temp, result.runId);
	} finally {
		fs.rmSync(temp, {force: true});
	}
}

/**
 * A task id used again after its result was written: the earlier result and transcript move to
 * results/WORKER/.history/ so the new run writes its own and nothing is lost. Without a result the
 * transcript belongs to an earlier attempt of this same task, and the new attempt appends to it.
 */
export function archivePreviousResult(layout: Layout, worker: string, id: string): void {
	const resultFile = layout.resultFile(worker, id);
	// lstat: a dangling symlink there is an entry too, and moves aside like any other.
	if (!fs.lstatSync(resultFile, {throwIfNoEntry: false})) {
		return;
	}

	const stamp = new Date().toISOString().replaceAll(':', '-');
	fs.mkdirSync(layout.history(worker), {recursive: true});
	fs.renameSync(resultFile, layout.historyFile(worker, id, stamp, 'json'));
	try {
		fs.renameSync(layout.transcriptFile(worker, id), layout.historyFile(worker, id, stamp, 'jsonl'));
	} catch (error) {
		if (!isErrnoCode(error, 'ENOENT')) {
			throw error;
		}
	}
}

/**
 * The result as JSON. What claude returned can be too deep or too large to serialize (a structured output
 * nested 100,000 deep overflows the stack): the run then still gets a result, failed with
 * `output_too_large`, instead of a claim left with none.
 */
export function serializeResult(result: TaskResult): string {
	try {
		return `${JSON.stringify(result, null, 2)}\n`;
	} catch (error) {
		const {structuredOutput: _, usage: _usage, result: text, ...rest} = result;
		const message = `claude's answer cannot be stored as JSON (${(error as Error).message}); its structured output is left out and its text cut to 64 KiB`;
		return `${JSON.stringify({...rest, usage: null, result: text?.slice(0, 64 * 1024) ?? null, status: 'failed', error: {code: 'output_too_large', message}}, null, 2)}\n`;
	}
}
