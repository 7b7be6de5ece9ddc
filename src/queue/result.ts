import type {TaskError} from './error-codes.ts';
import type {AttemptRecord} from './task-schema.ts';

export type {TaskError} from './error-codes.ts';

/**
 * What a task ended as. `rejected`: the task file itself was bad and claude never ran. `dead`: it failed
 * with a passing fault on every attempt it was allowed (dead-lettered), or took its worker down each time.
 */
export type TaskStatus = 'succeeded' | 'failed' | 'rejected' | 'dead';

/**
 * results/WORKER/ID.json: one shape for success and failure, plain data.
 * Fields from the CLI are null where the CLI never got that far.
 */
export type TaskResult = {
	id: string;
	worker: string;
	status: TaskStatus;
	/** The final text of the run (the CLI's `result`). */
	result: string | null;
	/** With a task `jsonSchema`: the validated answer. */
	structuredOutput?: unknown;
	sessionId: string | null;
	costUsd: number;
	usage: Record<string, unknown> | null;
	numTurns: number | null;
	durationMs: number;
	/** Runs made for this task, this one included. */
	attempts: number;
	/** Where claude ran. */
	cwd: string | null;
	startedAt: string;
	finishedAt: string;
	error: TaskError | null;
	exitCode: number | null;
	signal: string | null;
	timedOut: boolean;
	/** The CLI's `subtype` and `api_error_status`, trusted over its exit code. */
	subtype: string | null;
	apiErrorStatus: number | null;
	model: string | null;
	metadata?: Record<string, unknown>;
	/** The attempts before this one that failed, with their errors. */
	history?: AttemptRecord[];
	/** The task as it was dropped, so a finished task can be read, or queued again, from its result alone. */
	task?: Record<string, unknown>;
	/** Which loop ran it and which attempt wrote this result. */
	owner: string;
	runId: string;
};

/** A result in which nothing ran yet; the caller fills in what happened. */
export function blankResult(fields: Pick<TaskResult, 'id' | 'worker' | 'owner' | 'runId' | 'attempts'> & {startedAt: Date}): TaskResult {
	const now = new Date();
	return {
		id: fields.id,
		worker: fields.worker,
		status: 'failed',
		result: null,
		sessionId: null,
		costUsd: 0,
		usage: null,
		numTurns: null,
		durationMs: now.getTime() - fields.startedAt.getTime(),
		attempts: fields.attempts,
		cwd: null,
		startedAt: fields.startedAt.toISOString(),
		finishedAt: now.toISOString(),
		error: null,
		exitCode: null,
		signal: null,
		timedOut: false,
		subtype: null,
		apiErrorStatus: null,
		model: null,
		owner: fields.owner,
		runId: fields.runId,
	};
}
