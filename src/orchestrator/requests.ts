import {archivePreviousResult, clearCancelRequest, findLiveTask, requestCancel} from '../lifecycle/index.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {clearWorkflowRequest, readWorkflowRequests} from './request-file.ts';
import {readState, writeState, type RunningState, type WorkflowState} from './state.ts';
import {archiveRejection, type WorkflowLayout} from './store.ts';
import {createTaskState, markSkipped, type TaskState} from './task-state.ts';

/**
 * What `spool cancel --workflow` and `spool retry --workflow` asked (control/workflows/ID.json), applied
 * by the orchestrator at the start of a scan: it is the one writer of a workflow's state.
 * Returns the ids whose state changed, so the runner reads them again.
 */
export async function applyWorkflowRequests(layout: Layout, workflowLayout: WorkflowLayout, logger: Logger, now = new Date()): Promise<string[]> {
	const changed: string[] = [];
	for (const [id, request] of readWorkflowRequests(layout)) {
		let state: WorkflowState | undefined;
		try {
			state = readState(workflowLayout, id);
		} catch (error) {
			logger.error({err: error, workflow: id, action: request.action}, 'cannot apply the request: the workflow state cannot be read; the request stays');
			continue;
		}

		if (state) {
			const next = request.action === 'cancel' ? cancelState(state, now.toISOString()) : retryState(state);
			if (next !== state) {
				if (request.action === 'retry') {
					prepareRetry(layout, workflowLayout, state, next as RunningState);
				}

				if (request.action === 'cancel') {
					// Its queued tasks too, here where the state is written: one queued after the command listed them is not missed.
					for (const task of next.tasks.filter(task => task.status === 'queued' && findLiveTask(layout, task.worker, task.taskId))) {
						await requestCancel(layout, task.worker, task.taskId);
					}
				}

				await writeState(workflowLayout, next);
				changed.push(id);
				logger.info({workflow: id, action: request.action}, request.action === 'cancel' ? 'workflow canceled: its waiting tasks are skipped' : 'workflow retried: its failed and skipped tasks run again');
			}
		}

		clearWorkflowRequest(layout, id);
	}

	return changed;
}

/** A running workflow's waiting tasks can no longer run; its queued ones are canceled in the queue by `spool cancel`. */
export function cancelState(state: WorkflowState, at: string): WorkflowState {
	if (state.status !== 'running') {
		return state;
	}

	const tasks = state.tasks.map((task): TaskState => (task.status === 'waiting' ? markSkipped(task, {code: 'canceled', message: 'not run: the workflow was canceled by spool cancel'}, at) : task));
	return {...state, tasks};
}

/**
 * The workflow runs again, in the same run: its failed and skipped tasks wait to be queued afresh, and its
 * succeeded ones keep their results, so nobody pays for them twice. Unchanged when nothing failed.
 */
export function retryState(state: WorkflowState): WorkflowState {
	if (!state.tasks.some(task => task.status === 'failed' || task.status === 'skipped')) {
		return state;
	}

	const again = (task: TaskState) => task.status === 'failed' || task.status === 'skipped';
	const tasks = state.tasks.map((task): TaskState => (again(task) ? createTaskState(task) : task));
	// What the failed runs cost is paid; it still counts against the budget.
	const retriedCostUsd = state.retriedCostUsd + state.tasks.filter(task => again(task)).reduce((sum, task) => sum + task.costUsd, 0);
	return {...state, status: 'running', finishedAt: null, error: null, retriedCostUsd, tasks};
}

/** The run's earlier results of the tasks that run again, and the workflow's own result, move to .history/. */
function prepareRetry(layout: Layout, workflowLayout: WorkflowLayout, before: WorkflowState, after: RunningState): void {
	for (const task of after.tasks) {
		const was = before.tasks.find(candidate => candidate.id === task.id);
		if (task.status === 'waiting' && was?.status === 'failed') {
			archivePreviousResult(layout, task.worker, task.taskId);
		}

		if (task.status === 'waiting') {
			clearCancelRequest(layout, task.worker, task.taskId); // A cancel that outlived its task must not cancel the new run.
		}
	}

	archiveRejection(workflowLayout, before.id);
}
