import {expect, test} from 'vitest';
import {HEALTHY_RUN_MS, planRestart} from '../../src/supervisor/restart-delay.ts';

test.each([
	// [crashes in a row before, ran for ms, delay, crashes in a row after]
	[0, 100, 1000, 1],
	[1, 100, 2000, 2],
	[2, 5000, 4000, 3],
	[4, 100, 16_000, 5],
	[5, 100, 30_000, 6],
	[40, 100, 30_000, 41],
	// Healthy for a while: the back-off starts over.
	[5, HEALTHY_RUN_MS, 1000, 1],
	[40, 3_600_000, 1000, 1],
	[5, HEALTHY_RUN_MS - 1, 30_000, 6],
	[0, HEALTHY_RUN_MS, 1000, 1],
])('after %i crashes in a row, a child that ran %i ms is restarted in %i ms (streak %i)', (streak, ranMs, delayMs, next) => {
	expect(planRestart(streak, ranMs)).toEqual({delayMs, streak: next});
});

test('a child that dies at once, again and again, is restarted 1, 2, 4, 8, 16, 30, 30 s later; one healthy hour resets it', () => {
	let streak = 0;
	const delays: number[] = [];
	for (const ranMs of [10, 10, 10, 10, 10, 10, 10, 3_600_000, 10]) {
		const plan = planRestart(streak, ranMs);
		delays.push(plan.delayMs / 1000);
		streak = plan.streak;
	}

	expect(delays).toEqual([1, 2, 4, 8, 16, 30, 30, 1, 2]);
});
