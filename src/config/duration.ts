import {z} from 'zod';

const UNITS = {ms: 1, s: 1000, m: 60_000, h: 3_600_000} as const;

/** Parses "500ms", "30s", "10m", "2h" or a bare number of seconds into milliseconds. */
export function parseDuration(value: string | number): number | undefined {
	if (typeof value === 'number') {
		return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
	}

	const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim());
	if (!match) {
		return undefined;
	}

	return Number(match[1]) * UNITS[match[2] as keyof typeof UNITS];
}

/** A zod type for durations: input "30s" | "10m" | 30 (seconds), output milliseconds. */
export const duration = z.union([z.number(), z.string()]).transform((value, context) => {
	const ms = parseDuration(value);
	if (ms === undefined) {
		context.addIssue({
			code: 'custom',
			message: `expected a duration such as "30s", "10m", "2h" or a number of seconds, received ${JSON.stringify(value)}`,
		});
		return z.NEVER;
	}

	return ms;
});
