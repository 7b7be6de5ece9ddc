import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {FAKE_CLAUDE, listDir, makeHome, readJson, spool, waitFor} from './helpers/home.ts';

test('three worker processes racing over 300 tasks run each exactly once', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 4}}});
	const log = path.join(home, 'claude-starts.jsonl');
	const env = {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, FAKE_CLAUDE_LOG: log};
	const count = 300;
	// Half the tasks wait before the loops start (the start-up scan), half arrive while they run (events).
	await fs.mkdir(path.join(home, 'tasks', 'coder'), {recursive: true});
	const write = (i: number) => fs.writeFile(path.join(home, 'tasks', 'coder', `t${String(i).padStart(4, '0')}.json`), JSON.stringify({prompt: `task ${i}`}));
	for (let i = 0; i < count / 2; i++) {
		await write(i);
	}

	const loops = [1, 2, 3].map(() => spool(home, ['worker', 'coder'], {env}));
	try {
		for (let i = count / 2; i < count; i++) {
			await write(i);
		}

		const resultsDir = path.join(home, 'results', 'coder');
		await waitFor(async () => (await listDir(resultsDir)).filter(name => name.endsWith('.json')).length === count, 90_000, `${count} results`);
		const starts = (await fs.readFile(log, 'utf8')).trim().split('\n').map(line => JSON.parse(line) as {prompt: string});
		expect(starts).toHaveLength(count);
		expect(new Set(starts.map(start => start.prompt)).size).toBe(count);
		const owners = new Set<string>();
		for (const name of (await listDir(resultsDir)).filter(name => name.endsWith('.json'))) {
			const result = await readJson(path.join(resultsDir, name));
			expect(result).toMatchObject({status: 'succeeded', attempts: 1});
			owners.add(result!.owner);
		}

		expect(owners.size).toBe(3);
		expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);
	} finally {
		for (const loop of loops) {
			loop.kill('SIGTERM');
		}

		await Promise.all(loops);
	}
}, 120_000);
