import fs from 'node:fs/promises';
import path from 'node:path';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {buildTaskFile} from './build-task.ts';
import type {TaskState, WorkflowState} from './state.ts';
import {locateTask} from './task-location.ts';
import type {WorkflowTask} from './workflow-schema.ts';

export type QueueOutcome = 'queued' | 'found' | 'failed';

/**
 * Writes tasks/WORKER/WORKFLOW--TASK.json for a task whose dependencies succeeded. The queue is looked at
 * first: after a crash between writing a task file and saving the state, the task is already pending,
 * running or finished, and is only marked queued, never written twice.
 */
export async function queueWorkflowTask(layout: Layout, roots: readonly string[], state: WorkflowState, task: TaskState, now = new Date()): Promise<QueueOutcome> {
	const location = await locateTask(layout, task, state.runId);
	if (location.where !== 'nowhere') {
		task.status = 'queued';
		task.queuedAt ??= now.toISOString();
		return 'found';
	}

	const definition = state.workflow.tasks.find(candidate => candidate.id === task.id) as WorkflowTask;
	const built = await buildTaskFile(layout, roots, state, definition);
	if (!built.ok) {
		Object.assign(task, {status: 'failed', error: built.error, finishedAt: now.toISOString()});
		return 'failed';
	}

	// Set before the write: a rejection result carries no metadata and is matched by time instead.
	task.queuedAt = now.toISOString();
	await fs.mkdir(layout.tasks(task.worker), {recursive: true});
	await writeJsonAtomic(path.join(layout.tasks(task.worker), `${task.taskId}.json`), built.task);
	task.status = 'queued';
	return 'queued';
}
