import {backoffMs} from '../worker/failure-policy.ts';
import type {Delivery, OutboxEntry} from './entry.ts';
import type {HttpAnswer} from './post.ts';
import type {NotifyTuning} from './tuning.ts';

/** What one attempt to deliver came to: delivered (with Telegram's message id), or why not and whether trying again can help. */
export type SendOutcome = {ok: true; messageId?: number} | {ok: false; error: string; final: boolean; retryAfterMs?: number};

/**
 * Which HTTP answers are worth another try: a timeout (408), too early (425), too many requests (429)
 * and the server's own trouble (5xx). Any other 4xx says the request itself is wrong (a bad token, an
 * unknown chat, a removed webhook): it is given up at once, and shows in spool status.
 */
export function isRetryableStatus(status: number): boolean {
	return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** An answer that is not a success, as an outcome; `what` names the target (never its URL). */
export function failureOf(answer: Exclude<HttpAnswer, {kind: 'aborted'}>, what: string, said?: string): SendOutcome & {ok: false} {
	switch (answer.kind) {
		case 'unreachable': {
			return {ok: false, error: `cannot reach ${what}: ${answer.message}`, final: false};
		}

		case 'timeout': {
			return {ok: false, error: `${what} did not answer within ${answer.timeoutMs} ms`, final: false};
		}

		case 'answered': {
			const text = (said ?? answer.body).replaceAll(/\s+/g, ' ').trim().slice(0, 300);
			return {ok: false, error: `${what} answered HTTP ${answer.status}${text ? `: ${text}` : ''}`, final: !isRetryableStatus(answer.status), ...(answer.retryAfterMs === undefined ? {} : {retryAfterMs: answer.retryAfterMs})};
		}
	}
}

/**
 * The delivery after one attempt: sent; failed for good (a final error, or the last allowed attempt);
 * or retrying after the doubling back-off with jitter (at least what a Retry-After asked for).
 */
export function nextDelivery(previous: Delivery | undefined, outcome: SendOutcome, now: number, tuning: Pick<NotifyTuning, 'backoffMs' | 'backoffMaxMs' | 'maxAttempts'>, random = Math.random): Delivery {
	const attempts = (previous?.attempts ?? 0) + 1;
	const at = new Date(now).toISOString();
	if (outcome.ok) {
		return {state: 'sent', attempts, sentAt: at, ...(outcome.messageId === undefined ? {} : {messageId: outcome.messageId})};
	}

	if (outcome.final || attempts >= tuning.maxAttempts) {
		const why = outcome.final ? outcome.error : `${outcome.error} (gave up after ${attempts} attempts)`;
		return {state: 'failed', attempts, lastAttemptAt: at, lastError: why, gaveUpAt: at};
	}

	const waitMs = Math.max(backoffMs(attempts, tuning.backoffMs, tuning.backoffMaxMs, random), Math.min(outcome.retryAfterMs ?? 0, tuning.backoffMaxMs));
	return {state: 'retrying', attempts, lastAttemptAt: at, lastError: outcome.error, nextAt: new Date(now + waitMs).toISOString()};
}

/** Whether a target should be tried now: never tried, or retrying and its time has come. */
export function isDue(delivery: Delivery | undefined, now: number): boolean {
	return delivery === undefined || (delivery.state === 'retrying' && Date.parse(delivery.nextAt) <= now);
}

/** An entry is done when each of `targets` has it or was given up on: failed if any was. */
export function entryOutcome(entry: Pick<OutboxEntry, 'deliveries'>, targets: readonly string[]): 'pending' | 'sent' | 'failed' {
	const states = targets.map(key => entry.deliveries[key]?.state);
	if (states.some(state => state === undefined || state === 'retrying')) {
		return 'pending';
	}

	return states.includes('failed') ? 'failed' : 'sent';
}
