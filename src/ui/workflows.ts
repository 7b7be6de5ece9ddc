import type {Layout} from '../queue/layout.ts';
import {readRegularFile} from '../queue/read-file.ts';
import {locateTask} from '../orchestrator/advance.ts';
import {readStateOrUndefined, snapshotWorkflows, type WorkflowSnapshot} from '../orchestrator/snapshot.ts';
import type {WorkflowLayout} from '../orchestrator/store.ts';
import {readWorkflowResult} from '../orchestrator/summary.ts';

/** How a node of the graph reads: the workflow's own status, and for a queued task where it lies in the queue. */
export type NodeState = 'upcoming' | 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'dead' | 'canceled' | 'rejected' | 'skipped' | 'missing';

export type WorkflowNode = {
	id: string;
	worker: string;
	/** The queue's id: tasks/WORKER/TASKID.json. */
	taskId: string;
	dependsOn: string[];
	state: NodeState;
	costUsd: number;
	durationMs: number | null;
	attempts: number | null;
	error: {code: string; message: string} | null;
};

/** The summary markdown shown below the graph is cut to this. */
const MAX_SUMMARY_BYTES = 512 * 1024;

/** GET /api/workflows: every workflow, running first, each with its name and counts (as `spool status` counts them). */
export function listWorkflows(layout: Layout, workflowLayout: WorkflowLayout): Array<WorkflowSnapshot & {name: string | null}> {
	return snapshotWorkflows(layout, workflowLayout).map(snapshot => {
		const state = readStateOrUndefined(workflowLayout, snapshot.id);
		const name = state?.workflow.name ?? readWorkflowResult(workflowLayout, snapshot.id)?.name ?? null;
		return {...snapshot, name};
	});
}

/**
 * GET /api/workflows/ID: the graph (each task, what it depends on, its state now) and the summary. A
 * queued task is looked for in the queue as the orchestrator looks (its result counts only when it is
 * this run's), so a node turns as the task moves, before the orchestrator's next scan writes the state.
 */
export function readWorkflow(layout: Layout, workflowLayout: WorkflowLayout, id: string) {
	const state = readStateOrUndefined(workflowLayout, id);
	const result = readWorkflowResult(workflowLayout, id);
	if (!state && !result) {
		return undefined;
	}

	const nodes: WorkflowNode[] = state
		? state.tasks.map(task => {
				const node = {id: task.id, worker: task.worker, taskId: task.taskId, dependsOn: task.dependsOn, costUsd: task.costUsd, durationMs: task.durationMs, attempts: task.attempts, error: task.error};
				if (task.status !== 'queued') {
					return {...node, state: task.status === 'waiting' ? 'upcoming' : task.status};
				}

				const location = locateTask(layout, task, state.runId);
				if (location.where === 'finished') {
					const {result: taskResult} = location;
					return {...node, state: taskResult.status, costUsd: taskResult.costUsd ?? 0, durationMs: taskResult.durationMs ?? null, attempts: taskResult.attempts ?? null, error: taskResult.error ?? null};
				}

				return {...node, state: location.where === 'nowhere' ? 'missing' : location.where};
			})
		: result!.tasks.map(task => ({id: task.id, worker: task.worker, taskId: task.taskId, dependsOn: task.dependsOn, state: task.status === 'waiting' ? 'upcoming' : task.status === 'queued' ? 'pending' : task.status, costUsd: task.costUsd, durationMs: task.durationMs, attempts: task.attempts, error: task.error}));
	const summary = readRegularFile(workflowLayout.summaryFile(id), {maxBytes: MAX_SUMMARY_BYTES});
	const count = (which: NodeState) => nodes.filter(node => node.state === which).length;
	return {
		id,
		name: state?.workflow.name ?? result?.name ?? null,
		description: state?.workflow.description ?? result?.description ?? null,
		goal: state?.workflow.goal ?? result?.goal ?? null,
		status: result?.status ?? 'running',
		error: result?.error ?? state?.error ?? null,
		problems: result?.problems ?? [],
		startedAt: state?.startedAt ?? result?.startedAt ?? null,
		finishedAt: result?.finishedAt ?? null,
		costUsd: result?.costUsd ?? nodes.reduce((sum, node) => sum + node.costUsd, (state?.workflow.plan_cost_usd ?? 0) + (state?.retriedCostUsd ?? 0)),
		maxCostUsd: state?.workflow.max_cost_usd ?? result?.maxCostUsd ?? null,
		counts: {tasks: nodes.length, succeeded: count('succeeded'), running: count('running'), pending: count('pending'), failed: count('failed') + count('dead'), skipped: count('skipped'), upcoming: count('upcoming')},
		nodes,
		summary: summary.kind === 'file' ? summary.text : null,
	};
}
