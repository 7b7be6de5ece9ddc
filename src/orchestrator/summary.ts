import path from 'node:path';
import {writeFileAtomic, writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import type {ErrorCode, TaskError} from '../queue/error-codes.ts';
import {readResult} from '../queue/snapshot.ts';
import {renderSummary} from './summary-markdown.ts';
import type {TaskState, WorkflowState} from './state.ts';
import type {WorkflowLayout} from './workflow-layout.ts';

/** results/workflows/ID.json: written once, when every task succeeded, failed or was skipped, or the file was rejected. */
export type WorkflowResult = {
	id: string;
	name: string | null;
	description: string | null;
	goal: string | null;
	status: 'succeeded' | 'failed' | 'rejected';
	error: TaskError | null;
	/** A rejected workflow: one line per problem. */
	problems?: string[];
	/** The workflow file(s), relative to SPOOL_HOME. */
	source: string[];
	/** A rejected workflow is checked again once its files change. */
	sourceHash?: string;
	runId: string | null;
	startedAt: string;
	finishedAt: string;
	durationMs: number;
	/** Every task's cost plus the planner's. */
	costUsd: number;
	planCostUsd: number;
	maxCostUsd: number | null;
	counts: {succeeded: number; failed: number; skipped: number};
	tasks: Array<Omit<TaskState, 'queuedAt'> & {resultFile: string | null}>;
};

export function summarizeState(layout: Layout, state: WorkflowState, now = new Date()): WorkflowResult {
	const count = (status: string) => state.tasks.filter(task => task.status === status).length;
	const planCostUsd = state.workflow.plan_cost_usd ?? 0;
	const status = state.error || state.tasks.some(task => task.status !== 'succeeded') ? 'failed' : 'succeeded';
	return {
		id: state.id,
		name: state.workflow.name ?? null,
		description: state.workflow.description ?? null,
		goal: state.workflow.goal ?? null,
		status,
		error: status === 'failed' ? (state.error ?? failureOf(state.tasks)) : null,
		source: state.source,
		runId: state.runId,
		startedAt: state.startedAt,
		finishedAt: now.toISOString(),
		durationMs: now.getTime() - Date.parse(state.startedAt),
		costUsd: state.tasks.reduce((sum, task) => sum + task.costUsd, planCostUsd),
		planCostUsd,
		maxCostUsd: state.workflow.max_cost_usd ?? null,
		counts: {succeeded: count('succeeded'), failed: count('failed'), skipped: count('skipped')},
		tasks: state.tasks.map(({queuedAt, ...task}) => ({
			...task,
			resultFile: queuedAt ? path.relative(layout.home, layout.resultFile(task.worker, task.taskId)) : null,
		})),
	};
}

export function rejectedResult(fields: {id: string; source: string[]; sourceHash: string; problems: string[]; code?: ErrorCode; goal?: string}, now = new Date()): WorkflowResult {
	return {
		id: fields.id,
		name: null,
		description: null,
		goal: fields.goal ?? null,
		status: 'rejected',
		error: {code: fields.code ?? 'invalid_workflow', message: fields.problems.join('; ')},
		problems: fields.problems,
		source: fields.source,
		sourceHash: fields.sourceHash,
		runId: null,
		startedAt: now.toISOString(),
		finishedAt: now.toISOString(),
		durationMs: 0,
		costUsd: 0,
		planCostUsd: 0,
		maxCostUsd: null,
		counts: {succeeded: 0, failed: 0, skipped: 0},
		tasks: [],
	};
}

/** ID.md first, then ID.json: the JSON is the "done" mark, so a crash between the two only rewrites the summary. */
export async function writeWorkflowResult(layout: Layout, workflowLayout: WorkflowLayout, result: WorkflowResult): Promise<void> {
	const texts = new Map<string, string>();
	for (const task of result.tasks.filter(task => task.resultFile)) {
		const taskResult = await readResult(path.join(layout.home, task.resultFile!));
		texts.set(task.id, taskResult?.result ?? '');
	}

	await writeFileAtomic(workflowLayout.summaryFile(result.id), renderSummary(result, texts));
	await writeJsonAtomic(workflowLayout.resultFile(result.id), result);
}

function failureOf(tasks: TaskState[]): TaskError {
	const failed = tasks.filter(task => task.status === 'failed');
	const skipped = tasks.filter(task => task.status === 'skipped');
	const parts = failed.map(task => `"${task.id}" failed (${task.error?.code ?? 'unknown'}): ${task.error?.message ?? ''}`);
	if (skipped.length > 0) {
		parts.push(`skipped: ${skipped.map(task => `"${task.id}"`).join(', ')}`);
	}

	return {code: 'tasks_failed', message: parts.join('; ')};
}
