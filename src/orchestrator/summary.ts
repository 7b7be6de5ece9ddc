import path from 'node:path';
import {z} from 'zod';
import {writeFileAtomic, writeJsonAtomic} from '../queue/atomic-write.ts';
import {taskErrorSchema, type ErrorCode, type TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {readResultFile} from '../queue/result.ts';
import type {WorkflowState} from './state.ts';
import {listRecordIds, versionField, type WorkflowLayout} from './store.ts';
import {readRegularFile} from '../queue/read-file.ts';
import {spentUsd, type TaskState} from './task-state.ts';
import {tellWorkflowDone, type DoneTeller} from './done-event.ts';

/** How much of a task's result text the markdown summary shows; the whole of it is in results/WORKER/ID.json. */
const EXCERPT = 2000;

/** The version this code writes. A result without `version` was written before the field (spool 0.1) and reads as version 1. */
export const WORKFLOW_RESULT_VERSION = 1;

const resultTaskSchema = z.object({
	id: z.string(),
	worker: z.string(),
	taskId: z.string(),
	dependsOn: z.array(z.string()),
	status: z.enum(['waiting', 'queued', 'succeeded', 'failed', 'skipped']),
	finishedAt: z.string().nullable(),
	costUsd: z.number(),
	durationMs: z.number().nullable(),
	attempts: z.number().nullable(),
	/** Why it failed or was skipped. */
	error: taskErrorSchema.nullable(),
	/** results/WORKER/ID.json, relative to SPOOL_HOME; null for a task that was never queued. */
	resultFile: z.string().nullable(),
});

/** results/workflows/ID.json: written once, when every task succeeded, failed or was skipped, or the file was rejected. */
export const workflowResultSchema = z.object({
	version: versionField(WORKFLOW_RESULT_VERSION, 'workflow result'),
	id: z.string(),
	name: z.string().nullable(),
	description: z.string().nullable(),
	goal: z.string().nullable(),
	status: z.enum(['succeeded', 'failed', 'rejected']),
	error: taskErrorSchema.nullable(),
	/** A rejected workflow: one line per problem. */
	problems: z.array(z.string()).optional(),
	/** The workflow file(s), relative to SPOOL_HOME. */
	source: z.array(z.string()),
	/** A rejected workflow is checked again once its files change. */
	sourceHash: z.string().optional(),
	runId: z.string().nullable(),
	startedAt: z.string(),
	finishedAt: z.string(),
	durationMs: z.number(),
	/** Every task's cost plus the planner's. */
	costUsd: z.number(),
	planCostUsd: z.number(),
	maxCostUsd: z.number().nullable(),
	counts: z.object({succeeded: z.number(), failed: z.number(), skipped: z.number()}),
	tasks: z.array(resultTaskSchema),
});

export type WorkflowResult = z.output<typeof workflowResultSchema>;

export function summarizeState(layout: Layout, state: WorkflowState, now = new Date()): WorkflowResult {
	const count = (status: string) => state.tasks.filter(task => task.status === status).length;
	const planCostUsd = state.workflow.plan_cost_usd ?? 0;
	const status = state.error || state.tasks.some(task => task.status !== 'succeeded') ? 'failed' : 'succeeded';
	return {
		version: WORKFLOW_RESULT_VERSION,
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
		costUsd: planCostUsd + spentUsd(state.tasks) + state.retriedCostUsd,
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
		version: WORKFLOW_RESULT_VERSION,
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

/** A workflow's result parsed through its schema; undefined when there is none, or it is not a regular file or not a result. */
export function readWorkflowResult(layout: WorkflowLayout, id: string): WorkflowResult | undefined {
	const read = readRegularFile(layout.resultFile(id));
	if (read.kind !== 'file') {
		return undefined;
	}

	try {
		const parsed = workflowResultSchema.safeParse(JSON.parse(read.text));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

/** The ids with a result in results/workflows/ (finished or rejected). */
export function listResultIds(layout: WorkflowLayout): string[] {
	return listRecordIds(layout, '.json');
}

/**
 * ID.md first, then ID.json: the JSON is the "done" mark, so a crash between the two only rewrites the
 * summary. Then the workflow_done event (done-event.ts), told once however often this runs.
 */
export async function writeWorkflowResult(layout: Layout, workflowLayout: WorkflowLayout, result: WorkflowResult, teller: DoneTeller): Promise<void> {
	const texts = new Map<string, string>();
	for (const task of result.tasks.filter(task => task.resultFile)) {
		texts.set(task.id, readResultFile(path.join(layout.home, task.resultFile!))?.result ?? '');
	}

	await writeFileAtomic(workflowLayout.summaryFile(result.id), renderSummary(result, texts));
	await writeJsonAtomic(workflowLayout.resultFile(result.id), result);
	tellWorkflowDone(layout, workflowLayout, teller, result);
}

function failureOf(tasks: readonly TaskState[]): TaskError {
	const failed = tasks.filter(task => task.status === 'failed');
	const skipped = tasks.filter(task => task.status === 'skipped');
	const parts = failed.map(task => `"${task.id}" failed (${task.error.code}): ${task.error.message}`);
	if (skipped.length > 0) {
		parts.push(`skipped: ${skipped.map(task => `"${task.id}"`).join(', ')}`);
	}

	return {code: 'tasks_failed', message: parts.join('; ')};
}

/** results/workflows/ID.md: what a person reads first. Every number in it is also in ID.json. */
function renderSummary(result: WorkflowResult, texts: ReadonlyMap<string, string>): string {
	const lines = [`# Workflow ${result.id}: ${result.status}`, ''];
	if (result.name) {
		lines.push(`**${result.name}**`, '');
	}

	for (const text of [result.description, result.goal ? `Goal: ${result.goal}` : null]) {
		if (text) {
			lines.push(text.trim(), '');
		}
	}

	if (result.status === 'rejected') {
		lines.push(`The workflow was rejected (${result.error?.code}); nothing was queued. Fix these problems in ${result.source.join(', ') || 'the workflow'}:`, '');
		lines.push(...(result.problems ?? []).map(problem => `- ${problem}`), '');
		return `${lines.join('\n')}\n`;
	}

	const {succeeded, failed, skipped} = result.counts;
	const budget = result.maxCostUsd === null ? '' : ` of max_cost_usd $${result.maxCostUsd}`;
	const plan = result.planCostUsd > 0 ? ` (planning $${result.planCostUsd.toFixed(4)})` : '';
	lines.push(`${result.tasks.length} tasks: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped · cost $${result.costUsd.toFixed(4)}${budget}${plan} · ${seconds(result.durationMs)}`, '');
	if (result.error) {
		lines.push(`**Why it ${result.status}:** ${result.error.message}`, '');
	}

	lines.push('| Task | Worker | Status | Duration | Cost | Note |', '| --- | --- | --- | --- | --- | --- |');
	for (const task of result.tasks) {
		const note = task.error ? `${task.error.code}: ${task.error.message}` : task.dependsOn.length > 0 ? `after ${task.dependsOn.join(', ')}` : '';
		const duration = task.durationMs === null ? '' : seconds(task.durationMs);
		lines.push(`| ${task.id} | ${task.worker} | ${task.status} | ${duration} | $${task.costUsd.toFixed(4)} | ${cell(note)} |`);
	}

	for (const task of result.tasks.filter(task => texts.get(task.id))) {
		const text = texts.get(task.id)!.trim();
		lines.push('', `## ${task.id} (${task.status})`, '', text.length > EXCERPT ? `${text.slice(0, EXCERPT)}\n\n… (the whole result: ${task.resultFile})` : text);
	}

	return `${lines.join('\n')}\n`;
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)}s`;
}

function cell(text: string): string {
	return text.replaceAll('|', '\\|').replaceAll('\n', ' ').slice(0, 300);
}
