import {effectOf, type TaskError} from '../queue/error-codes.ts';

/**
 * What a failed run means for the task and the worker:
 * - `retry`: a passing fault (API 5xx/529, network, a CLI that crashed or hung or could not be spawned, a
 *   timeout): run it again after a backoff, while attempts remain;
 * - `final`: running it again would fail the same way (a turn or budget limit, a 4xx): write the result;
 * - `pause-auth`: the worker's credentials are bad: no task can succeed, so stop claiming;
 * - `pause-rate`: a rate or usage limit: wait it out without burning the task's attempts;
 * - `pause-budget`: the day's budget ran out during the run: the task waits for it, uncounted.
 */
export type FailurePlan = {kind: 'retry'} | {kind: 'final'} | {kind: 'pause-auth'} | {kind: 'pause-rate'} | {kind: 'pause-budget'};

/** Read from the one table of error codes (queue/error-codes.ts). */
export function planFailure(error: TaskError): FailurePlan {
	const effect = effectOf(error.code);
	return effect === 'pause-auth' || effect === 'pause-rate' || effect === 'pause-budget' || effect === 'retry' ? {kind: effect} : {kind: 'final'};
}

/** The n-th wait of a doubling backoff: base * 2^(n-1), capped at max. Every backoff in spool is one. */
export function doublingMs(step: number, baseMs: number, maxMs: number): number {
	return Math.min(maxMs, baseMs * 2 ** Math.max(0, step - 1));
}

/** A task's retry backoff: the doubling wait for its attempt, scaled by a random 50–100 % (jitter). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
	return Math.round(doublingMs(attempt, baseMs, maxMs) * (0.5 + random() / 2));
}
