import fs from 'node:fs';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor, writeFileDurable} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import {archivePreviousResult} from './commit.ts';

export type RetryOutcome = {kind: 'queued'; file: string} | {kind: 'pending'};

/**
 * The retry transition: a finished task (failed, dead, canceled) goes back to tasks/WORKER/ID.json as it
 * was dropped (the result keeps a copy), with no attempts and no history: a fresh attempt budget. The
 * task file is written first and never over one already pending; then the result moves to
 * results/WORKER/.history/ (only if it is still the one read: the new run may have started and done
 * that already). A crash between the two leaves the old result in place, and the new run moves it.
 */
export async function retryResult(layout: Layout, result: TaskResult & {task: Record<string, unknown>}): Promise<RetryOutcome> {
	const file = layout.taskFile(result.worker, result.id);
	fs.mkdirSync(layout.tasks(result.worker), {recursive: true});
	const temp = tempPathFor(file);
	try {
		await writeFileDurable(temp, `${JSON.stringify(result.task, null, 2)}\n`);
		fs.linkSync(temp, file);
	} catch (error) {
		if (isErrnoCode(error, 'EEXIST')) {
			return {kind: 'pending'};
		}

		throw error;
	} finally {
		fs.rmSync(temp, {force: true});
	}

	await syncDirectory(layout.tasks(result.worker));
	if (readResultFile(layout.resultFile(result.worker, result.id))?.runId === result.runId) {
		archivePreviousResult(layout, result.worker, result.id);
	}

	return {kind: 'queued', file};
}
