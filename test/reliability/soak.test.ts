import {expect, test} from 'vitest';
import {formatFigures, runSoak} from '../../scripts/soak.ts';

test('soak (short): loops killed at random lose no task, write no duplicate, stay within the attempt cap', async () => {
	const maxAttempts = 5;
	const figures = await runSoak({tasks: 400, loops: 3, concurrency: 4, killEveryMs: [800, 1600], taskMs: [50, 300], maxAttempts, timeLimitMs: 90_000});
	console.log(formatFigures(figures, maxAttempts));
	expect(figures.kills).toBeGreaterThanOrEqual(3);
	expect(figures.lost).toBe(0);
	expect(figures.duplicates).toBe(0);
	expect(figures.notSucceeded).toBe(0);
	expect(figures.maxPaidAttempts).toBeLessThanOrEqual(maxAttempts);
}, 120_000);
