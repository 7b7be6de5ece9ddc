import fs from 'node:fs/promises';
import path from 'node:path';
import type {Layout} from '../queue/layout.ts';
import type {TaskResult} from '../queue/result.ts';
import {readResult} from '../queue/snapshot.ts';
import {isTaskFileName, parseClaimName} from '../lifecycle/names.ts';
import type {TaskState} from './state.ts';

export type TaskLocation = {where: 'pending'} | {where: 'running'} | {where: 'finished'; result: TaskResult} | {where: 'nowhere'};

/**
 * Where a workflow's task lies in the queue, read from the folders as `ls` would. A result counts only
 * when it belongs to this run: its metadata names the run, or (a rejection copies no metadata) it has
 * none and finished after the task was queued.
 */
export async function locateTask(layout: Layout, task: Pick<TaskState, 'worker' | 'taskId' | 'queuedAt'>, runId: string): Promise<TaskLocation> {
	const result = await readResult(layout.resultFile(task.worker, task.taskId));
	if (result && belongsToRun(result, task.queuedAt, runId)) {
		return {where: 'finished', result};
	}

	if (await exists(path.join(layout.tasks(task.worker), `${task.taskId}.json`))) {
		return {where: 'pending'};
	}

	for (const owner of await fs.readdir(layout.processing(task.worker)).catch(() => [])) {
		const claims = await fs.readdir(layout.claims(task.worker, owner)).catch(() => []);
		if (claims.some(name => isTaskFileName(name) && parseClaimName(name).id === task.taskId)) {
			return {where: 'running'};
		}
	}

	return {where: 'nowhere'};
}

function belongsToRun(result: TaskResult, queuedAt: string | null, runId: string): boolean {
	const run = result.metadata?.workflowRun;
	if (run !== undefined) {
		return run === runId;
	}

	return queuedAt !== null && result.finishedAt >= queuedAt;
}

async function exists(file: string): Promise<boolean> {
	return (await fs.stat(file).catch(() => undefined)) !== undefined;
}
