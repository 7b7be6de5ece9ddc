import {doublingMs} from '../worker/failure-policy.ts';

/**
 * A step that throws is tried again after a backoff, never on every scan: a workflow whose state cannot
 * be read, or whose step keeps failing, would otherwise cost a stack trace (and the work before it)
 * several times a second, forever. The first retry comes after 1 s, each failure doubles the wait, up
 * to 5 min: quick enough for a passing fault (a full disk freed), quiet enough for one that stays.
 */
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 5 * 60_000;

/** The wait after the `failures`-th failure in a row: 1 s, 2 s, 4 s... up to 5 min. */
export function backoffDelayMs(failures: number): number {
	return doublingMs(failures, BACKOFF_FIRST_MS, BACKOFF_MAX_MS);
}

export type Retry = {failures: number; delayMs: number; retryAt: number};

/**
 * The failures of the steps of one duty, by key (a workflow id, a goal file). `signature` describes the
 * files a step reads (their mtimes): when they change, the step is tried at once, so a person who fixes
 * a broken file does not wait out the backoff.
 */
export class Backoff {
	readonly #entries = new Map<string, Retry & {signature: string}>();

	/** True while `key` waits out its backoff and its files did not change. */
	isWaiting(key: string, now: number, signature = ''): boolean {
		const entry = this.#entries.get(key);
		return entry !== undefined && now < entry.retryAt && entry.signature === signature;
	}

	recordFailure(key: string, now: number, signature = ''): Retry {
		const failures = (this.#entries.get(key)?.failures ?? 0) + 1;
		const delayMs = backoffDelayMs(failures);
		const retry = {failures, delayMs, retryAt: now + delayMs};
		this.#entries.set(key, {...retry, signature});
		return retry;
	}

	recordSuccess(key: string): void {
		this.#entries.delete(key);
	}
}

/** "1s", "32s", "1m4s", "5m". */
export function describeDelay(ms: number): string {
	const seconds = Math.round(ms / 1000);
	if (seconds < 60) {
		return `${seconds}s`;
	}

	return `${Math.floor(seconds / 60)}m${seconds % 60 === 0 ? '' : `${seconds % 60}s`}`;
}

/** A stable name for what went wrong: spool's code, a system error's code (EACCES), or the error's class (RangeError). */
export function errorCodeOf(error: unknown): string {
	if (error instanceof Error) {
		const {code} = error as {code?: unknown};
		return typeof code === 'string' ? code : error.name;
	}

	return 'unknown';
}

/** The one log line of a failed step: what failed, and when it is tried again. */
export function describeFailure(what: string, error: unknown, retry: Retry): {message: string; fields: Record<string, unknown>} {
	const retryAt = new Date(retry.retryAt).toISOString();
	return {
		message: `${what} failed (${errorCodeOf(error)}); trying again in ${describeDelay(retry.delayMs)}, at ${retryAt.slice(11, 19)}`,
		fields: {err: error, failures: retry.failures, retryAt},
	};
}
