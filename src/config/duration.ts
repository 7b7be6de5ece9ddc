import {z} from 'zod';

const UNITS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000} as const;

/** Node.js timers fire after 1 ms when given more than this (2^31-1 ms, about 24.8 days). */
export const MAX_DURATION_MS = 2_147_483_647;

const HINT = 'expected a duration such as "30s", "10m", "2h" or a number of seconds';
const TOO_LONG = `must be at most ${MAX_DURATION_MS} ms (about 24.8 days, the longest timer Node.js has)`;

export type CheckedDuration = {ok: true; ms: number} | {ok: false; message: string};

/**
 * Reads "500ms", "30s", "10m", "2h", "1d" or a bare number of seconds into milliseconds, and checks it
 * lies between `min` (a duration as a user writes it, so the message can name it) and the longest timer Node.js has.
 */
export function checkDuration(value: unknown, min: string | number = 0): CheckedDuration {
	const floor = readDuration(min);
	if (typeof floor === 'string') {
		throw new TypeError(`checkDuration: the minimum ${JSON.stringify(min)} ${floor}`);
	}

	const ms = readDuration(value);
	if (typeof ms === 'string') {
		return {ok: false, message: ms};
	}

	if (ms < floor) {
		return {ok: false, message: `must be at least ${min}`};
	}

	return ms > MAX_DURATION_MS ? {ok: false, message: TOO_LONG} : {ok: true, ms};
}

/** A span of any length (a delay, an age), not bound by the longest timer: undefined when it is not a duration. */
export function parseSpan(value: string): number | undefined {
	const ms = readDuration(value);
	return typeof ms === 'number' && ms >= 0 ? ms : undefined;
}

/** The duration in milliseconds, or undefined when it is not one spool can use. */
export function parseDuration(value: string | number): number | undefined {
	const checked = checkDuration(value);
	return checked.ok ? checked.ms : undefined;
}

/** A zod type for durations of at least `min`: input "30s" | "10m" | 30 (seconds), output milliseconds. */
export function durationAtLeast(min: string | number) {
	return z.union([z.number(), z.string()], {error: HINT}).transform((value, context) => {
		const checked = checkDuration(value, min);
		if (!checked.ok) {
			context.addIssue({code: 'custom', message: checked.message});
			return z.NEVER;
		}

		return checked.ms;
	});
}

/** The same check for a duration kept as written (a workflow copies it into a task file that parses it again). */
export function durationAsWritten(min: string | number) {
	return z.union([z.number(), z.string()], {error: HINT}).superRefine((value, context) => {
		const checked = checkDuration(value, min);
		if (!checked.ok) {
			context.addIssue({code: 'custom', message: checked.message});
		}
	});
}

/** Milliseconds in the largest unit that holds them whole: 600000 → "10m", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
	const unit = (['d', 'h', 'm', 's'] as const).find(unit => ms > 0 && ms % UNITS[unit] === 0);
	return unit ? `${ms / UNITS[unit]}${unit}` : ms === 0 ? '0' : `${ms}ms`;
}

/** Any duration a timer can wait: 0 up to the timer limit. */
export const duration = durationAtLeast(0);

/** Milliseconds, or the message saying why the value is not a duration. */
function readDuration(value: unknown): number | string {
	if (typeof value === 'number') {
		return Number.isFinite(value) ? value * 1000 : 'is not a finite number';
	}

	const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim()) : null;
	return match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : HINT;
}
