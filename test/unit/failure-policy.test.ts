import {describe, expect, test} from 'vitest';
import {ERROR_CODES, type ErrorCode} from '../../src/queue/error-codes.ts';
import {backoffMs, planFailure, type FailurePlan} from '../../src/worker/failure-policy.ts';

const plan = (code: ErrorCode) => planFailure({code, message: 'm'}).kind;

describe('planFailure', () => {
	test.each<[ErrorCode, FailurePlan['kind']]>([
		['api_unavailable', 'retry'],
		['api_unreachable', 'retry'],
		['timeout', 'retry'],
		['cli_crashed', 'retry'],
		['cli_not_started', 'retry'],
		['worker_lost', 'retry'],
		['error_during_execution', 'retry'],
		['auth_failed', 'pause-auth'],
		['rate_limited', 'pause-rate'],
		['api_error', 'final'],
		['error_max_turns', 'final'],
		['error_max_budget_usd', 'final'],
		['error_max_structured_output_retries', 'final'],
		['claude_error', 'final'],
		['missing_deliverable', 'final'],
		['output_too_large', 'final'],
		// A reject code that reaches a run's end (E2BIG at the spawn): it would fail the same way again.
		['argument_too_large', 'final'],
		['invalid_task', 'final'],
	])('%s → %s', (code, kind) => {
		expect(plan(code)).toBe(kind);
	});

	test('every code of the table has a plan that follows its effect', () => {
		for (const [code, {effect}] of Object.entries(ERROR_CODES) as Array<[ErrorCode, {effect: string}]>) {
			expect([code, plan(code)]).toEqual([code, effect === 'reject' || effect === 'wait' ? 'final' : effect]);
		}
	});
});

describe('backoffMs', () => {
	test.each<[string, number, number, number, number, number]>([
		// name, attempt, base, max, random(), expected
		['the first retry waits between half the base and the base', 1, 1000, 60_000, 0, 500],
		['the first retry at the top of the jitter', 1, 1000, 60_000, 1, 1000],
		['jitter in the middle', 1, 1000, 60_000, 0.5, 750],
		['it doubles with each attempt', 2, 1000, 60_000, 1, 2000],
		['the third attempt', 3, 1000, 60_000, 1, 4000],
		['capped at the maximum', 10, 1000, 60_000, 1, 60_000],
		['the jitter applies below the cap too', 10, 1000, 60_000, 0, 30_000],
		['an attempt of 0 counts as the first', 0, 1000, 60_000, 1, 1000],
		['a maximum below the base wins', 1, 1000, 300, 1, 300],
		['rounded to whole milliseconds', 1, 333, 60_000, 0.5, 250],
	])('%s', (_name, attempt, base, max, random, expected) => {
		expect(backoffMs(attempt, base, max, () => random)).toBe(expected);
	});

	test('with the real random source it stays within 50-100 % of the exponential', () => {
		for (let n = 0; n < 200; n++) {
			const wait = backoffMs(3, 200, 10_000);
			expect(wait).toBeGreaterThanOrEqual(400);
			expect(wait).toBeLessThanOrEqual(800);
		}
	});
});
