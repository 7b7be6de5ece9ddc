import {describe, expect, test} from 'vitest';
import {refillBucket, resolveBucketRule, returnToken, takeToken, type BucketLevel, type BucketRule} from '../../src/limits/token-bucket.ts';

const rule: BucketRule = {perMinute: 60, burst: 10}; // One token a second.
const at = (tokens: number, updatedAt = 1_000_000): BucketLevel => ({tokens, updatedAt});

describe('resolveBucketRule', () => {
	test.each<[string, {startsPerMinute?: number; burst?: number} | undefined, BucketRule | undefined]>([
		['no limits', undefined, undefined],
		['a burst but no rate', {burst: 5}, undefined],
		['60 a minute: ten seconds worth', {startsPerMinute: 60}, {perMinute: 60, burst: 10}],
		['61 a minute: rounded up', {startsPerMinute: 61}, {perMinute: 61, burst: 11}],
		['1 a minute: at least one', {startsPerMinute: 1}, {perMinute: 1, burst: 1}],
		['0.5 a minute', {startsPerMinute: 0.5}, {perMinute: 0.5, burst: 1}],
		['a burst of its own', {startsPerMinute: 600, burst: 3}, {perMinute: 600, burst: 3}],
	])('%s', (_, limits, expected) => {
		expect(resolveBucketRule(limits)).toEqual(expected);
	});
});

describe('refillBucket', () => {
	test.each<[string, BucketLevel | undefined, number, number]>([
		['no state: full', undefined, 1_000_000, 10],
		['no time passed', at(2), 1_000_000, 2],
		['half a second: half a token', at(2), 1_000_500, 2.5],
		['three seconds: three tokens', at(0), 1_003_000, 3],
		['capped at burst', at(8), 1_005_000, 10],
		['an hour later: full, not more', at(0), 4_600_000, 10],
		['a level above burst (burst lowered since): capped', at(50), 1_000_000, 10],
		['the clock went back: no time passed', at(4), 990_000, 4],
		['a negative level read: none', at(-3), 1_001_000, 1],
	])('%s', (_, level, now, tokens) => {
		expect(refillBucket(level, rule, now)).toEqual({tokens, updatedAt: now});
	});
});

describe('takeToken', () => {
	test.each<[string, BucketLevel | undefined, number, ReturnType<typeof takeToken>]>([
		['no state: a full bucket gives one', undefined, 1_000_000, {ok: true, level: {tokens: 9, updatedAt: 1_000_000}}],
		['one token left', at(1), 1_000_000, {ok: true, level: {tokens: 0, updatedAt: 1_000_000}}],
		['empty: the next token in a second', at(0), 1_000_000, {ok: false, retryAt: 1_001_000}],
		['a quarter token: the rest in 750 ms', at(0.25), 1_000_000, {ok: false, retryAt: 1_000_750}],
		['refilled to one by the time of the take', at(0), 1_001_000, {ok: true, level: {tokens: 0, updatedAt: 1_001_000}}],
		['the clock went back on an empty bucket: a full second from now', at(0), 999_000, {ok: false, retryAt: 1_000_000}],
	])('%s', (_, level, now, expected) => {
		expect(takeToken(level, rule, now)).toEqual(expected);
	});

	test('retryAt is rounded up to a whole ms, never early', () => {
		const slow: BucketRule = {perMinute: 7, burst: 1}; // 8571.43 ms a token
		expect(takeToken(at(0, 0), slow, 0)).toEqual({ok: false, retryAt: 8572});
		expect(takeToken(at(0, 0), slow, 8571)).toMatchObject({ok: false});
		expect(takeToken(at(0, 0), slow, 8572)).toMatchObject({ok: true});
	});

	test('taking every 7 ms for a minute gives burst + rate × elapsed, never more', () => {
		let level: BucketLevel | undefined;
		let taken = 0;
		for (let now = 0; now <= 60_004; now += 7) {
			const take = takeToken(level, rule, now);
			if (take.ok) {
				level = take.level;
				taken++;
			}

			expect(taken).toBeLessThanOrEqual(rule.burst + (now * rule.perMinute) / 60_000);
		}

		expect(taken).toBe(70); // Ten at once, then one a second: the last, due at 60 s, at 60,004 ms (a 7 ms step), with the fractions summed along the way.
	});
});

describe('returnToken: a start that did not happen gives its token back, never past burst', () => {
	test.each<[string, BucketLevel | undefined, BucketLevel]>([
		['an empty bucket gets one', {tokens: 0, updatedAt: 0}, {tokens: 1, updatedAt: 0}],
		['a full one stays full', {tokens: 10, updatedAt: 0}, {tokens: 10, updatedAt: 0}],
		['what came meanwhile counts first', {tokens: 9.5, updatedAt: -30_000}, {tokens: 10, updatedAt: 0}],
		['no file is a full bucket', undefined, {tokens: 10, updatedAt: 0}],
	])('%s', (_, level, expected) => {
		expect(returnToken(level, {perMinute: 60, burst: 10}, 0)).toEqual(expected);
	});
});
