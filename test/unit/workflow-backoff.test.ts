import {describe, expect, test} from 'vitest';
import {Backoff, backoffDelayMs, describeDelay, describeFailure, errorCodeOf} from '../../src/orchestrator/backoff.ts';
import {SpoolError} from '../../src/errors.ts';

describe('a failing step backs off: 1 s, doubling, at most 5 min', () => {
	test.each([
		[1, 1000, '1s'],
		[2, 2000, '2s'],
		[3, 4000, '4s'],
		[7, 64_000, '1m4s'],
		[9, 256_000, '4m16s'],
		[10, 300_000, '5m'],
		[40, 300_000, '5m'],
	])('failure %i waits %i ms (%s)', (failures, ms, shown) => {
		expect(backoffDelayMs(failures)).toBe(ms);
		expect(describeDelay(ms)).toBe(shown);
	});

	test('a key waits out its delay; each failure doubles it; a success forgets it', () => {
		const backoff = new Backoff();
		expect(backoff.isWaiting('w', 0)).toBe(false);
		expect(backoff.recordFailure('w', 0)).toEqual({failures: 1, delayMs: 1000, retryAt: 1000});
		expect([backoff.isWaiting('w', 999), backoff.isWaiting('w', 1000), backoff.isWaiting('other', 10)]).toEqual([true, false, false]);
		expect(backoff.recordFailure('w', 1000)).toEqual({failures: 2, delayMs: 2000, retryAt: 3000});
		backoff.recordSuccess('w');
		expect(backoff.recordFailure('w', 5000)).toMatchObject({failures: 1, delayMs: 1000});
	});

	test('a change to the files a step reads ends the wait at once', () => {
		const backoff = new Backoff();
		backoff.recordFailure('w', 0, 'mtime 1');
		expect(backoff.isWaiting('w', 500, 'mtime 1')).toBe(true);
		expect(backoff.isWaiting('w', 500, 'mtime 2')).toBe(false);
	});

	test('the log line names the error and when the step is tried again', () => {
		expect([errorCodeOf(new SpoolError('state_corrupt', 'x')), errorCodeOf(new RangeError('Invalid string length')), errorCodeOf(Object.assign(new Error('x'), {code: 'EACCES'})), errorCodeOf('?')]).toEqual([
			'state_corrupt',
			'RangeError',
			'EACCES',
			'unknown',
		]);
		const failure = describeFailure('workflow step', new RangeError('Invalid string length'), {failures: 3, delayMs: 4000, retryAt: Date.parse('2026-01-01T10:00:04.000Z')});
		expect(failure.message).toBe('workflow step failed (RangeError); trying again in 4s, at 10:00:04');
		expect(failure.fields).toMatchObject({failures: 3, retryAt: '2026-01-01T10:00:04.000Z'});
	});
});
