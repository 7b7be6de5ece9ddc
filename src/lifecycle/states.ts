import type {TaskStatus} from '../queue/result.ts';
import {dueTimes} from '../queue/task-peek.ts';

/**
 * Every state a task can be in, as `spool list` and `spool show` name it, and where each is read from:
 *   pending     tasks/W/ID.json, claimable now
 *   delayed     tasks/W/ID.json whose `notBefore` or retry backoff (`retryAt`) lies ahead
 *   running     processing/W/OWNER/ID.json or ID@N.RUN.json: claimed by a loop (its mtime is the lease)
 *   waiting     waiting/W/ID.json: its agent asked a person a question (results/W/ID.question.md); no process runs
 *   succeeded, failed, dead, rejected, canceled   results/W/ID.json, by its `status`
 * A live entry (pending, delayed, running, waiting) wins over a result of the same id: that result belongs to an
 * earlier run of the id, and moves to results/W/.history/ when the new run starts.
 */
export const TASK_STATES = ['pending', 'delayed', 'running', 'waiting', 'succeeded', 'failed', 'dead', 'rejected', 'canceled'] as const;
export type QueueState = (typeof TASK_STATES)[number];

/** The finished states: a result file says which. */
export const FINISHED_STATES = ['succeeded', 'failed', 'dead', 'rejected', 'canceled'] as const satisfies readonly TaskStatus[];

/** What `spool retry` may run again. */
export const RETRYABLE_STATES: readonly QueueState[] = ['failed', 'dead', 'canceled'];

export function isQueueState(value: string): value is QueueState {
	return (TASK_STATES as readonly string[]).includes(value);
}

/** A pending file's state: delayed while a `notBefore` or `retryAt` it carries holds it (the pending index's own rule). */
export function pendingStateOf(task: {notBefore?: unknown; retryAt?: unknown}, now: number): {state: 'pending' | 'delayed'; until?: string} {
	const waitMs = dueTimes(task).waitMs(now);
	return waitMs > 0 ? {state: 'delayed', until: new Date(now + waitMs).toISOString()} : {state: 'pending'};
}
