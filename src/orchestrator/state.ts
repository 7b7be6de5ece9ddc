import path from 'node:path';
import {randomUUID} from 'node:crypto';
import {z} from 'zod';
import {formatIssues} from '../config/format-issues.ts';
import {SpoolError} from '../errors.ts';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import {taskErrorSchema, type TaskError} from '../queue/error-codes.ts';
import {runWorkflowSchema, taskIdFor, type Workflow} from './definition.ts';
import {listRecordIds, versionField, type WorkflowLayout} from './store.ts';
import {describeNotRegular, readRegularFile} from '../queue/read-file.ts';
import {createTaskState, taskStateSchema} from './task-state.ts';

/** The version this code writes. A state without `version` was written before the field (spool 0.1) and reads as version 1. */
export const STATE_VERSION = 1;

/** The fields of a state in the order a person reads them in the file. */
function stateVariant<S extends z.ZodType, F extends z.ZodType>(status: S, finishedAt: F) {
	return z.object({
		version: versionField(STATE_VERSION, 'state file'),
		id: z.string(),
		/** Unique per run; written into each task's metadata, so a result of an earlier run is never taken for this one's. */
		runId: z.string(),
		status,
		/** The workflow file(s), relative to SPOOL_HOME. */
		source: z.array(z.string()),
		startedAt: z.string(),
		finishedAt,
		/** What stopped the workflow early (its budget) or failed it as a whole (a missing deliverable). */
		error: taskErrorSchema.nullable(),
		/** What the earlier runs of tasks that `spool retry --workflow` set back to waiting cost: it counts against max_cost_usd. */
		retriedCostUsd: z.number().min(0).default(0),
		/** The workflow as it was when it started: editing the file later changes nothing in this run. */
		workflow: runWorkflowSchema,
		tasks: z.array(taskStateSchema),
	});
}

/** results/workflows/ID.state.json: all a restarted orchestrator needs to go on where it stopped. */
export const stateSchema = z.discriminatedUnion('status', [stateVariant(z.literal('running'), z.null()), stateVariant(z.enum(['succeeded', 'failed']), z.string())]);

export type WorkflowState = z.output<typeof stateSchema>;
export type RunningState = Extract<WorkflowState, {status: 'running'}>;
export type FinishedState = Exclude<WorkflowState, RunningState>;

export function createState(workflow: Workflow, source: string[], now = new Date()): RunningState {
	return {
		version: STATE_VERSION,
		id: workflow.id,
		runId: randomUUID(),
		status: 'running',
		source,
		startedAt: now.toISOString(),
		finishedAt: null,
		error: null,
		retriedCostUsd: 0,
		workflow,
		tasks: workflow.tasks.map(task => createTaskState({id: task.id, worker: task.worker, taskId: taskIdFor(workflow.id, task.id), dependsOn: task.dependsOn ?? []})),
	};
}

/** The workflow's own transition: every task finished, so it succeeded or failed (with `error` when it failed as a whole). */
export function markWorkflowFinished(state: RunningState, fields: {status: FinishedState['status']; error: TaskError | null; finishedAt: string}): FinishedState {
	return {...state, ...fields};
}

/**
 * Undefined when the workflow never started. A state that cannot be read (not a regular file, not JSON,
 * not a state) throws: it is never taken for "not started", and the workflow is left alone, its file
 * kept, until it is fixed or removed.
 */
export function readState(layout: WorkflowLayout, id: string): WorkflowState | undefined {
	const file = layout.stateFile(id);
	const shown = path.relative(layout.home, file);
	const read = readRegularFile(file);
	if (read.kind === 'missing') {
		return undefined;
	}

	if (read.kind !== 'file') {
		throw new SpoolError('state_unreadable', `${read.kind === 'not-regular' ? describeNotRegular(shown, read.entry) : `${shown} is too large`} (the workflow is left alone until it is fixed or removed)`);
	}

	return parseState(read.text, shown);
}

/** Parses the text of a state file; `shown` names it in the error. */
export function parseState(text: string, shown: string): WorkflowState {
	let raw: unknown;
	try {
		raw = JSON.parse(text);
	} catch (error) {
		throw new SpoolError('state_corrupt', `${shown}: not valid JSON (${(error as Error).message}); the workflow is left alone until it is fixed or removed`);
	}

	const parsed = stateSchema.safeParse(raw);
	if (!parsed.success) {
		throw new SpoolError('state_corrupt', `${shown}: not a workflow state (${formatIssues(parsed.error, raw).join('; ')}); the workflow is left alone until it is fixed or removed`);
	}

	return parsed.data;
}

export function writeState(layout: WorkflowLayout, state: WorkflowState): Promise<void> {
	return writeJsonAtomic(layout.stateFile(state.id), state);
}

/** The ids with a state file in results/workflows/. */
export function listStateIds(layout: WorkflowLayout): string[] {
	return listRecordIds(layout, '.state.json');
}
