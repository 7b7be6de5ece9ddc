import type {Layout} from '../queue/layout.ts';
import {listStateIds, readState} from './state.ts';
import {locateTask} from './task-location.ts';
import type {WorkflowLayout} from './workflow-layout.ts';
import {listResultIds, readWorkflowResult} from './workflow-results.ts';

export type WorkflowSnapshot = {
	id: string;
	status: 'running' | 'succeeded' | 'failed' | 'rejected';
	tasks: number;
	succeeded: number;
	/** Claimed by a worker loop. */
	running: number;
	/** Queued in tasks/WORKER/, not claimed yet. */
	pending: number;
	/** Not queued yet: a dependency has not succeeded. */
	waiting: number;
	failed: number;
	skipped: number;
	/** The finished tasks' cost so far, plus the planner's. */
	costUsd: number;
	maxCostUsd: number | null;
	startedAt: string;
	finishedAt: string | null;
	error: string | null;
};

/** Every workflow of the home, read from results/workflows/ and the queue folders: what `spool status` shows. */
export async function snapshotWorkflows(layout: Layout, workflowLayout: WorkflowLayout): Promise<WorkflowSnapshot[]> {
	const ids = new Set([...(await listStateIds(workflowLayout)), ...(await listResultIds(workflowLayout))]);
	const snapshots: WorkflowSnapshot[] = [];
	for (const id of ids) {
		const result = await readWorkflowResult(workflowLayout, id);
		const state = await readState(workflowLayout, id).catch(() => undefined);
		const tasks = state?.tasks ?? [];
		const count = (status: string) => tasks.filter(task => task.status === status).length;
		const snapshot: WorkflowSnapshot = {
			id,
			status: result?.status ?? 'running',
			tasks: tasks.length,
			succeeded: count('succeeded'),
			running: 0,
			pending: 0,
			waiting: count('waiting'),
			failed: count('failed'),
			skipped: count('skipped'),
			costUsd: result?.costUsd ?? tasks.reduce((sum, task) => sum + task.costUsd, state?.workflow.plan_cost_usd ?? 0),
			maxCostUsd: state?.workflow.max_cost_usd ?? null,
			startedAt: state?.startedAt ?? result?.startedAt ?? '',
			finishedAt: result?.finishedAt ?? null,
			error: result?.error?.message ?? state?.error?.message ?? null,
		};
		for (const task of tasks.filter(task => task.status === 'queued')) {
			const location = await locateTask(layout, task, state!.runId);
			snapshot[location.where === 'pending' ? 'pending' : 'running']++;
		}

		snapshots.push(snapshot);
	}

	// Running workflows first, then the most recently finished.
	return snapshots.sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || (b.finishedAt ?? b.startedAt).localeCompare(a.finishedAt ?? a.startedAt));
}
