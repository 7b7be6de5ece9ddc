import type {QuotaRecord, StoredWindow} from './state.ts';

/** A usage-limit pause lasts until the window's reset and this much more: the API's clock and ours may differ by a second or two. */
export const RESET_MARGIN_MS = 2000;

/** The first run after a pause goes alone for at most this long; a probe whose holder died is taken over then. */
export const PROBE_TTL_MS = 60_000;

/** How often a loop waiting for another loop's probe looks again. */
export const PROBE_RECHECK_MS = 500;

/** How a 429 is waited out: by every worker of the account (a subscription's usage limit) or by the worker alone. */
export type LimitPause = {scope: 'account' | 'worker'; until: number; resetsAt: number | null};

export type LimitClues = {
	/** The CLI's `api_error` of its result line: "usage_limit_reached" for a subscription's limit. */
	apiError: string | null;
	/** The run's last rate_limit_event: its status, window and reset time. */
	status: string | null;
	rateLimitType: string | null;
	resetsAt: number | null;
	/** The delay the CLI chose for its last retry of a 429 (it follows retry-after). */
	retryMs: number | null;
};

/**
 * The pause after a run that hit a rate limit. A subscription's usage limit (the CLI says
 * usage_limit_reached, or its rejected rate_limit_event names a window) pauses the account until the
 * reset and a margin, or for queue.rateLimitWait when no reset time came or it has passed already. Any
 * other 429 (an API key's rate limit, the server's own throttling) pauses the worker as before: until
 * the reset, else the CLI's retry delay, else rateLimitWait.
 */
export function planLimitPause(clues: LimitClues, now: number, rateLimitWait: number): LimitPause {
	const usageLimit = clues.apiError === 'usage_limit_reached' || (clues.status === 'rejected' && clues.rateLimitType !== null);
	if (!usageLimit) {
		return {scope: 'worker', until: clues.resetsAt ?? now + (clues.retryMs ?? rateLimitWait), resetsAt: clues.resetsAt};
	}

	const afterReset = clues.resetsAt === null ? undefined : clues.resetsAt + RESET_MARGIN_MS;
	return {scope: 'account', until: afterReset !== undefined && afterReset > now ? afterReset : now + rateLimitWait, resetsAt: clues.resetsAt};
}

/** The window that is at or past its reserve (the latest to reset, when several are), while its reset lies ahead. */
export function windowAtReserve(windows: Record<string, StoredWindow>, reserve: number, now: number): {name: string; window: StoredWindow; resetsAt: number} | undefined {
	let found: {name: string; window: StoredWindow; resetsAt: number} | undefined;
	for (const [name, window] of Object.entries(windows)) {
		const resetsAt = Date.parse(window.resetsAt);
		// A hair under the line counts: 0.8 read from a header is 0.8000000000000002 after 1 - 0.2.
		const full = window.status === 'rejected' || window.utilization >= 1 - reserve - 1e-9;
		if (full && resetsAt > now && (!found || resetsAt > found.resetsAt)) {
			found = {name, window, resetsAt};
		}
	}

	return found;
}

/** What an account's record means for a claim now. */
export type AccountGate =
	| {kind: 'open'}
	| {kind: 'paused'; until: number}
	/** The pause is over and no run has gone first yet: the next run is the probe. */
	| {kind: 'probe'}
	/** The pause is over and a run of `worker` went first: the others wait for the API's answer to it. */
	| {kind: 'probing'; worker: string; expiresAt: number};

export function gateOfAccount(record: Pick<QuotaRecord, 'pause' | 'probe'> | undefined, now: number): AccountGate {
	const pause = record?.pause;
	if (!pause) {
		return {kind: 'open'};
	}

	// An unreadable `until` ends the pause: no pause may hold an account forever.
	const until = Date.parse(pause.until);
	if (until > now) {
		return {kind: 'paused', until};
	}

	const probe = record.probe;
	const expiresAt = Date.parse(probe?.expiresAt ?? '');
	return probe && expiresAt > now ? {kind: 'probing', worker: probe.worker, expiresAt} : {kind: 'probe'};
}
