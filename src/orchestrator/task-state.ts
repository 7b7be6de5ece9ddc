import {z} from 'zod';
import {taskErrorSchema, type TaskError} from '../queue/error-codes.ts';
import {costOf, type TaskResult} from '../queue/result.ts';

/**
 * The lifecycle of one task of a workflow, and its one home:
 *
 *   waiting ──markQueued──▶ queued ──markFinished(result)──▶ succeeded | failed
 *      │                      └──markFailed(error): its file vanished without a result──▶ failed
 *      ├──markFailed(error): its task file could not be built──▶ failed
 *      └──markSkipped(error): a dependency failed or was skipped, or the budget is spent──▶ skipped
 *
 * Each status is a variant that carries exactly the data it has (a queued task has a queuedAt, a
 * failed one an error, a waiting one neither), and the transitions take only the variants they may
 * leave, so an impossible state cannot be written. The record on disk has every field in every
 * variant (null where it does not apply), as spool always wrote it.
 */
const common = {
	id: z.string(),
	worker: z.string(),
	/** The queue's id: tasks/WORKER/TASKID.json, results/WORKER/TASKID.json. */
	taskId: z.string(),
	dependsOn: z.array(z.string()),
};

const notRun = {costUsd: z.literal(0), durationMs: z.null(), attempts: z.null()};

export const taskStateSchema = z.discriminatedUnion('status', [
	z.object({...common, status: z.literal('waiting'), queuedAt: z.null(), finishedAt: z.null(), ...notRun, error: z.null()}),
	z.object({...common, status: z.literal('queued'), queuedAt: z.string(), finishedAt: z.null(), ...notRun, error: z.null()}),
	z.object({...common, status: z.literal('succeeded'), queuedAt: z.string(), finishedAt: z.string(), costUsd: z.number(), durationMs: z.number(), attempts: z.number(), error: z.null()}),
	z.object({
		...common,
		status: z.literal('failed'),
		/** Null when its task file could not be built, so it was never queued. */
		queuedAt: z.string().nullable(),
		finishedAt: z.string(),
		costUsd: z.number(),
		durationMs: z.number().nullable(),
		attempts: z.number().nullable(),
		error: taskErrorSchema,
	}),
	z.object({...common, status: z.literal('skipped'), queuedAt: z.null(), finishedAt: z.string(), ...notRun, error: taskErrorSchema}),
]);

export type TaskState = z.output<typeof taskStateSchema>;
export type WorkflowTaskStatus = TaskState['status'];
export type WaitingTask = Extract<TaskState, {status: 'waiting'}>;
export type QueuedTask = Extract<TaskState, {status: 'queued'}>;
export type SucceededTask = Extract<TaskState, {status: 'succeeded'}>;
export type FailedTask = Extract<TaskState, {status: 'failed'}>;
export type SkippedTask = Extract<TaskState, {status: 'skipped'}>;
export type FinishedTask = SucceededTask | FailedTask | SkippedTask;

export function createTaskState(fields: {id: string; worker: string; taskId: string; dependsOn: readonly string[]}): WaitingTask {
	const {id, worker, taskId} = fields;
	return {id, worker, taskId, dependsOn: [...new Set(fields.dependsOn)], status: 'waiting', queuedAt: null, finishedAt: null, costUsd: 0, durationMs: null, attempts: null, error: null};
}

/** Its task file was written (or found already in the queue after a crash). */
export function markQueued(task: WaitingTask, at: string): QueuedTask {
	return {...task, status: 'queued', queuedAt: at};
}

/** Its result was read: a `failed`, `rejected` or `dead` result fails it. Every attempt's cost counts. */
export function markFinished(task: QueuedTask, result: TaskResult): SucceededTask | FailedTask {
	const ran = {finishedAt: result.finishedAt, costUsd: costOf(result), durationMs: result.durationMs, attempts: result.attempts};
	if (result.status === 'succeeded') {
		return {...task, status: 'succeeded', ...ran, error: null};
	}

	return {...task, status: 'failed', ...ran, error: result.error ?? {code: 'claude_error', message: `the task was ${result.status}, and its result names no error`}};
}

/** It can never run: its task file could not be built (waiting), or it vanished without a result (queued). */
export function markFailed(task: WaitingTask | QueuedTask, error: TaskError, at: string): FailedTask {
	return {...task, status: 'failed', finishedAt: at, error};
}

/** It will not run, because a task it depends on failed or was skipped, or the budget is spent. */
export function markSkipped(task: WaitingTask, error: TaskError, at: string): SkippedTask {
	return {...task, status: 'skipped', finishedAt: at, error};
}

export function isFinished(task: TaskState): task is FinishedTask {
	return task.status === 'succeeded' || task.status === 'failed' || task.status === 'skipped';
}

/** The cost of the tasks that finished so far. */
export function spentUsd(tasks: readonly TaskState[]): number {
	return tasks.reduce((sum, task) => sum + task.costUsd, 0);
}
