import fs from 'node:fs';
import {randomBytes} from 'node:crypto';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor, writeFileDurable} from '../queue/atomic-write.ts';
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
 * task not queued: nothing is lost, and nothing runs twice.
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

	const file = layout.taskFile(worker, id);
	fs.mkdirSync(layout.tasks(worker), {recursive: true});
	const temp = tempPathFor(file);
	try {
		await writeFileDurable(temp, `${JSON.stringify(result.task, null, 2)}\n`);
		fs.linkSync(temp, file);
	} catch (error) {
		restore(layout, worker, id, archived);
		if (isErrnoCode(error, 'EEXIST')) {
			return {kind: 'pending'};
		}

		throw error;
	} finally {
		fs.rmSync(temp, {force: true});
	}

	clearCancelRequest(layout, worker, id); // A cancel that outlived the earlier run must not cancel this one.
	await syncDirectory(layout.tasks(worker));
	try {
		fs.renameSync(layout.transcriptFile(worker, id), layout.historyFile(worker, id, stamp, 'jsonl'));
	} catch (error) {
		if (!isErrnoCode(error, 'ENOENT')) {
			throw error;
		}
	}

	return {kind: 'queued', file};
}

/** Puts an archived result back, never over a result that arrived meanwhile (it then stays in .history). */
function restore(layout: Layout, worker: string, id: string, archived: string): void {
	try {
		fs.linkSync(archived, layout.resultFile(worker, id));
		fs.rmSync(archived, {force: true});
	} catch (error) {
		if (!isErrnoCode(error, 'EEXIST')) {
			throw error;
		}
	}
}
