/** The p-th percentile (0-100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) {
		return Number.NaN;
	}

	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
	return percentile(values, 50);
}

/** A number for a table: fixed decimals, with "n/a" for what was not measured. */
export function fmt(value: number | undefined, digits = 1): string {
	return value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);
}
