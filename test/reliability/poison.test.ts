import {expect, test} from 'vitest';
import {dropTask, FAKE_CLAUDE, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

test('a task that takes its worker down every time is dead-lettered as poison after maxAttempts', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '1s', scanInterval: '200ms', maxAttempts: 2}});
	await dropTask(home, 'coder', 'poison', {prompt: 'sleep:5000'});
	// Each loop dies (SIGKILL) right after it spawns the CLI for the task, like a task that OOMs its worker.
	let crashes = 0;
	for (;;) {
		const loop = await spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, SPOOL_CRASH_AT: 'after-spawn'}});
		if (loop.signal !== 'SIGKILL') {
			throw new Error(`the loop ended without crashing: ${loop.stderr}`);
		}

		crashes++;
		if (crashes === 2) {
			break;
		}
	}

	// The next loop finds the attempts spent and dead-letters the task without running it.
	const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, SPOOL_CRASH_AT: 'after-spawn'}});
	try {
		const result = await waitFor(() => resultOf(home, 'coder', 'poison'), 20_000, 'dead letter');
		expect(result).toMatchObject({status: 'dead', attempts: 2, error: {code: 'poison_task'}});
		expect(result.error.message).toBe('the worker died during each of the 2 attempts of this task; it is not run again');
		expect(result.history).toHaveLength(2);
		expect(result.task).toEqual({prompt: 'sleep:5000'});
	} finally {
		loop.kill('SIGTERM');
		const end = await loop;
		expect(end.signal).toBeUndefined();
	}
}, 60_000);
