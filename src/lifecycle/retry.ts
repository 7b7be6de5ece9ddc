import fs from 'node:fs';
import {randomBytes} from 'node:crypto';
import {isErrnoCode} from '../errors.ts';
import {writeFileExclusive} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import {clearCancelRequest} from './cancel.ts';

export type RetryOutcome = {kind: 'queued'; file: string} | {kind: 'pending'} | {kind: 'gone'};

/**
 * The retry transition: a finished task (failed, dead, canceled) goes back to tasks/WORKER/ID.json as it
 * was dropped (the result keeps a copy), with no attempts and no history: a fresh attempt budget. The
 * result's rename into results/WORKER/.history/ decides, so of two retries of one result exactly one
 * queues the task (the other finds it `gone`); then the task file is written, never over one already
 * pending (the result then moves back). A crash between the two leaves the result in .history and the
 * task not queued: nothing is lost, and nothing runs twice. The transcript moves before the task is
 * queued, so the new run's lines never land in the archived one.
 */
export async function retryResult(layout: Layout, result: TaskResult & {task: Record<string, unknown>}): Promise<RetryOutcome> {
	const {worker, id} = result;
	const stamp = `${new Date().toISOString().replaceAll(':', '-')}-${randomBytes(2).toString('hex')}`;
	const archived = layout.historyFile(worker, id, stamp, 'json');
	fs.mkdirSync(layout.history(worker), {recursive: true});
	try {
		fs.renameSync(layout.resultFile(worker, id), archived);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return {kind: 'gone'};
		}

		throw error;
	}

	if (readResultFile(archived)?.runId !== result.runId) {
		restore(layout, worker, id, archived); // Another run's result had replaced the one read: not ours to retry.
		return {kind: 'gone'};
	}

	// The transcript goes too, before the task is queued: the new run's lines must start a file of their own.
	const transcript = layout.historyFile(worker, id, stamp, 'jsonl');
	moveIfThere(layout.transcriptFile(worker, id), transcript);
	clearCancelRequest(layout, worker, id); // A cancel that outlived the earlier run must not cancel this one.
	const file = layout.taskFile(worker, id);
	let queued: boolean;
	try {
		queued = await writeFileExclusive(file, `${JSON.stringify(result.task, null, 2)}\n`);
	} catch (error) {
		restore(layout, worker, id, archived, transcript);
		throw error;
	}

	if (!queued) {
		restore(layout, worker, id, archived, transcript);
		return {kind: 'pending'};
	}

	return {kind: 'queued', file};
}

/** Puts an archived result (and transcript) back, never over one that arrived meanwhile (it then stays in .history). */
function restore(layout: Layout, worker: string, id: string, archived: string, transcript?: string): void {
	for (const [from, to] of [[archived, layout.resultFile(worker, id)], ...(transcript ? [[transcript, layout.transcriptFile(worker, id)] as const] : [])] as const) {
		try {
			fs.linkSync(from, to);
			fs.rmSync(from, {force: true});
		} catch (error) {
			if (!isErrnoCode(error, 'EEXIST', 'ENOENT')) {
				throw error;
			}
		}
	}
}

function moveIfThere(from: string, to: string): void {
	try {
		fs.renameSync(from, to);
	} catch (error) {
		if (!isErrnoCode(error, 'ENOENT')) {
			throw error;
		}
	}
}
