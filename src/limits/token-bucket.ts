/**
 * The arithmetic of a token bucket, with no clock and no file of its own: a bucket holds at most
 * `burst` tokens, gains `perMinute` tokens a minute (continuously, in fractions), and a start takes one
 * whole token. Times are epoch ms.
 */

/** How a bucket fills: its rate and how many tokens it holds when full. */
export type BucketRule = {perMinute: number; burst: number};

/** What a bucket holds at `updatedAt`; tokens may be a fraction. */
export type BucketLevel = {tokens: number; updatedAt: number};

export type TokenTake = {ok: true; level: BucketLevel} | {ok: false; retryAt: number};

/** The limits of spool.yaml as a rule; undefined when they set no rate. Burst: ten seconds' worth, at least 1. */
export function resolveBucketRule(limits: {startsPerMinute?: number | undefined; burst?: number | undefined} | undefined): BucketRule | undefined {
	if (limits?.startsPerMinute === undefined) {
		return undefined;
	}

	return {perMinute: limits.startsPerMinute, burst: limits.burst ?? Math.max(1, Math.ceil(limits.startsPerMinute / 6))};
}

/**
 * The bucket at `now`: the tokens gained since updatedAt, capped at burst. No level known (no state
 * file, or one that cannot be read) is a full bucket. A clock that went back counts as no time passed,
 * and the level is dated `now`, so refilling goes on from the clock as it is now.
 */
export function refillBucket(level: BucketLevel | undefined, rule: BucketRule, now: number): BucketLevel {
	if (level === undefined) {
		return {tokens: rule.burst, updatedAt: now};
	}

	const elapsed = Math.max(0, now - level.updatedAt);
	return {tokens: Math.min(rule.burst, Math.max(0, level.tokens) + (elapsed * rule.perMinute) / 60_000), updatedAt: now};
}

/** Takes one token at `now`, or says when the bucket will next hold one (epoch ms, rounded up). */
export function takeToken(level: BucketLevel | undefined, rule: BucketRule, now: number): TokenTake {
	const filled = refillBucket(level, rule, now);
	if (filled.tokens >= 1) {
		return {ok: true, level: {tokens: filled.tokens - 1, updatedAt: now}};
	}

	return {ok: false, retryAt: now + Math.ceil(((1 - filled.tokens) * 60_000) / rule.perMinute)};
}

/** A token given back (the claim it was taken for found the task gone): the bucket at `now` plus one, at most burst. */
export function returnToken(level: BucketLevel | undefined, rule: BucketRule, now: number): BucketLevel {
	const filled = refillBucket(level, rule, now);
	return {tokens: Math.min(rule.burst, filled.tokens + 1), updatedAt: now};
}
