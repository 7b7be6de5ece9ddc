import type {Layout} from '../queue/layout.ts';
import {locateTask} from './advance.ts';
import {listStateIds, readState, type WorkflowState} from './state.ts';
import type {WorkflowLayout} from './store.ts';
import {listResultIds, readWorkflowResult} from './summary.ts';

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
export function snapshotWorkflows(layout: Layout, workflowLayout: WorkflowLayout): WorkflowSnapshot[] {
	const ids = new Set([...listStateIds(workflowLayout), ...listResultIds(workflowLayout)]);
	const snapshots: WorkflowSnapshot[] = [];
	for (const id of ids) {
		const result = readWorkflowResult(workflowLayout, id);
		const state = readStateOrUndefined(workflowLayout, id);
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
			costUsd: result?.costUsd ?? tasks.reduce((sum, task) => sum + task.costUsd, (state?.workflow.plan_cost_usd ?? 0) + (state?.retriedCostUsd ?? 0)),
			maxCostUsd: state?.workflow.max_cost_usd ?? null,
			startedAt: state?.startedAt ?? result?.startedAt ?? '',
			finishedAt: result?.finishedAt ?? null,
			error: result?.error?.message ?? state?.error?.message ?? null,
		};
		for (const task of tasks.filter(task => task.status === 'queued')) {
			snapshot[locateTask(layout, task, state!.runId).where === 'pending' ? 'pending' : 'running']++;
		}

		snapshots.push(snapshot);
	}

	// Running workflows first, then the most recently finished.
	return snapshots.sort((a, b) => Number(b.status === 'running') - Number(a.status === 'running') || (b.finishedAt ?? b.startedAt).localeCompare(a.finishedAt ?? a.startedAt));
}

/** A state that cannot be read shows as a workflow with no tasks: the orchestrator's log says why. */
export function readStateOrUndefined(layout: WorkflowLayout, id: string): WorkflowState | undefined {
	try {
		return readState(layout, id);
	} catch {
		return undefined;
	}
}
