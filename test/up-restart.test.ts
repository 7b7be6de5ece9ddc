import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {makeHome, spool, waitFor} from './helpers/home.ts';

type LogLine = {process?: string; msg: string; restartInMs?: number; ranMs?: number};

async function restartsOf(home: string, processName: string): Promise<LogLine[]> {
	const text = await fs.readFile(path.join(home, 'logs', 'up.log'), 'utf8').catch(() => '');
	return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as LogLine).filter(line => line.process === processName && line.msg === 'process exited; restarting it');
}

test('spool up restarts a worker that dies at once 1 s, then 2 s, then 4 s later', async () => {
	const home = await makeHome({workers: {coder: {}}});
	await fs.rm(path.join(home, 'prompts', 'coder.md')); // The worker exits at start: its prompt file is missing.
	const up = spool(home, ['up']);
	try {
		const restarts = await waitFor(async () => {
			const lines = await restartsOf(home, 'worker coder');
			return lines.length >= 3 && lines;
		}, 20_000, 'three restarts');
		expect(restarts.slice(0, 3).map(line => line.restartInMs)).toEqual([1000, 2000, 4000]);
		expect(restarts[0]!.ranMs).toBeLessThan(10_000);
	} finally {
		up.kill('SIGTERM');
		await up;
	}
}, 40_000);
