import type {BucketRule} from '../../src/limits/token-bucket.ts';

/**
 * How far a run of starts went past a token bucket's promise: at every start, the starts so far less
 * burst + rate × (time since the first start). A bucket that kept its word gives at most 0 (plus the
 * slack a test allows for the gap between a take and the moment it was noted).
 */
export function worstExcess(times: readonly number[], rule: BucketRule): {excess: number; at: number; count: number} {
	const sorted = [...times].sort((a, b) => a - b);
	const first = sorted[0] ?? 0;
	let worst = {excess: Number.NEGATIVE_INFINITY, at: 0, count: 0};
	sorted.forEach((time, index) => {
		const excess = index + 1 - (rule.burst + ((time - first) * rule.perMinute) / 60_000);
		if (excess > worst.excess) {
			worst = {excess, at: time - first, count: index + 1};
		}
	});
	return worst;
}

/** What the bucket allows from the first start to `end`: burst + rate × elapsed. */
export function allowedBy(rule: BucketRule, first: number, end: number): number {
	return rule.burst + ((end - first) * rule.perMinute) / 60_000;
}
