import {describeError} from './scrub.ts';

/** Enough of an answer's body to say what went wrong; the rest is not read. */
const MAX_BODY_CHARS = 64 * 1024;

/** How one request ended: an HTTP answer (any status), no answer at all, no answer in time, or stopped by the sender. */
export type HttpAnswer =
	| {kind: 'answered'; status: number; body: string; retryAfterMs: number | undefined}
	| {kind: 'unreachable'; message: string}
	| {kind: 'timeout'; timeoutMs: number}
	| {kind: 'aborted'};

/**
 * POSTs JSON with Node's fetch, within `timeoutMs`. Never throws: every end is an HttpAnswer. The
 * message of an unreachable host may quote the URL (and so a token): callers scrub it before it goes
 * anywhere.
 */
export async function postJson(url: string, body: unknown, options: {timeoutMs: number; signal: AbortSignal; headers?: Record<string, string>}): Promise<HttpAnswer> {
	const timeout = AbortSignal.timeout(options.timeoutMs);
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers: {'content-type': 'application/json', ...options.headers},
			body: JSON.stringify(body),
			signal: AbortSignal.any([options.signal, timeout]),
			redirect: 'error',
		});
		const text = (await response.text()).slice(0, MAX_BODY_CHARS);
		return {kind: 'answered', status: response.status, body: text, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'))};
	} catch (error) {
		if (options.signal.aborted) {
			return {kind: 'aborted'};
		}

		if (timeout.aborted) {
			return {kind: 'timeout', timeoutMs: options.timeoutMs};
		}

		return {kind: 'unreachable', message: describeError(error)};
	}
}

/** Retry-After: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
	if (!value) {
		return undefined;
	}

	if (/^\d+$/.test(value.trim())) {
		return Number(value.trim()) * 1000;
	}

	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
