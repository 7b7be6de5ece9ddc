import {isObject} from '../queue/read-file.ts';

/** One subscription window (five_hour, seven_day, ...) as the API last described it. */
export type QuotaWindow = {
	/** The share of the window used, 0..1 (the API's own figure, not an estimate). */
	utilization: number;
	/** When the window starts over (epoch ms). */
	resetsAt: number;
	/** allowed, allowed_warning or rejected; null when the API did not say. */
	status: string | null;
};

/**
 * What one `rate_limit_event` of the CLI says. The CLI (2.1.329) builds it from the response headers
 * `anthropic-ratelimit-unified-*` of a subscription (OAuth) run only; an API-key run never has one.
 */
export type RateLimitInfo = {
	/** allowed, allowed_warning or rejected (the `-status` header). */
	status: string | null;
	/** The reset of the window that decided the status (epoch ms), from the `-reset` header. */
	resetsAt: number | null;
	/** Which window decided it (five_hour, seven_day...), from `-representative-claim`. */
	rateLimitType: string | null;
	isUsingOverage: boolean | null;
	/** By name; null when the event had none (the CLI leaves out a window whose reset has passed). */
	windows: Record<string, QuotaWindow> | null;
};

/** A window name is also a key on disk and in status: a plain identifier. */
const WINDOW_NAME = /^[a-z0-9_]{1,40}$/;

/** Reads `rate_limit_info` of a rate_limit_event; undefined when it is not an object. */
export function readRateLimitInfo(info: unknown): RateLimitInfo | undefined {
	if (!isObject(info)) {
		return undefined;
	}

	return {
		status: typeof info.status === 'string' ? info.status : null,
		resetsAt: epochMs(info.resetsAt) ?? null,
		rateLimitType: typeof info.rateLimitType === 'string' ? info.rateLimitType : null,
		isUsingOverage: typeof info.isUsingOverage === 'boolean' ? info.isUsingOverage : null,
		windows: readWindows(info.unifiedWindows),
	};
}

function readWindows(value: unknown): Record<string, QuotaWindow> | null {
	if (!isObject(value)) {
		return null;
	}

	const windows: Record<string, QuotaWindow> = {};
	for (const [name, window] of Object.entries(value)) {
		const resetsAt = isObject(window) ? epochMs(window.resetsAt) : undefined;
		if (!isObject(window) || !WINDOW_NAME.test(name) || resetsAt === undefined || typeof window.utilization !== 'number' || !Number.isFinite(window.utilization)) {
			continue;
		}

		windows[name] = {utilization: window.utilization, resetsAt, status: typeof window.status === 'string' ? window.status : null};
	}

	return windows;
}

/** The CLI gives epoch seconds; a value already in ms is taken as it is. */
function epochMs(value: unknown): number | undefined {
	if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
		return undefined;
	}

	return value < 1e12 ? value * 1000 : value;
}
