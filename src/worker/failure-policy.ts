import type {TaskError} from '../queue/result.ts';

/**
 * What a failed run means for the task and the worker:
 * - `retry`: a passing fault (API 5xx/529, network, a CLI that crashed or hung or could not be spawned, a
 *   timeout): run it again after a backoff, while attempts remain;
 * - `final`: running it again would fail the same way (a turn or budget limit, a 4xx): write the result;
 * - `pause-auth`: the worker's credentials are bad: no task can succeed, so stop claiming;
 * - `pause-rate`: a rate or usage limit: wait it out without burning the task's attempts.
 */
export type FailurePlan = {kind: 'retry'} | {kind: 'final'} | {kind: 'pause-auth'} | {kind: 'pause-rate'};

const RETRYABLE = new Set(['api_unavailable', 'api_unreachable', 'timeout', 'cli_crashed', 'cli_not_started', 'error_during_execution', 'worker_lost']);

export function planFailure(error: TaskError): FailurePlan {
	if (error.code === 'auth_failed') {
		return {kind: 'pause-auth'};
	}

	if (error.code === 'rate_limited') {
		return {kind: 'pause-rate'};
	}

	return RETRYABLE.has(error.code) ? {kind: 'retry'} : {kind: 'final'};
}

/** Exponential backoff with jitter: base * 2^(attempt-1), capped, then scaled by a random 50–100 %. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
	const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
	return Math.round(exponential * (0.5 + random() / 2));
}
