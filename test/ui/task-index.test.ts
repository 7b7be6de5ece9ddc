import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {loadConfig} from '../../src/config/load.ts';
import {buildResult} from '../../src/queue/result.ts';
import {UiServer} from '../../src/ui/server.ts';
import {TaskIndex} from '../../src/ui/task-index.ts';
import {dropTask, makeHome} from '../helpers/home.ts';

const RESULTS = 100_000;
let home: string;

/** 100,000 results as loops write them, a tenth of them failed, a few hundred of workflow "nightly", one mtime apart each. */
beforeAll(async () => {
	home = await makeHome({workers: {coder: {}, reviewer: {}}});
	const dir = path.join(home, 'results', 'coder');
	fs.mkdirSync(dir, {recursive: true});
	const base = Date.parse('2026-11-01T00:00:00Z');
	for (let n = 0; n < RESULTS; n++) {
		const id = `task-${String(n).padStart(6, '0')}`;
		const finishedAt = new Date(base + n * 1000);
		const failed = n % 10 === 3;
		const metadata = n % 300 === 0 ? {workflow: 'nightly'} : undefined;
		const result = buildResult({id, worker: 'coder', owner: 'loop', runId: `run-${n}`, attempts: 1, startedAt: new Date(finishedAt.getTime() - 1000)}, {
			status: failed ? 'failed' : 'succeeded',
			finishedAt: finishedAt.toISOString(),
			costUsd: 0.01,
			task: {prompt: n === 77_777 ? 'Rename the needle module' : `Routine job number ${n}`, ...(metadata ? {metadata} : {})},
			...(metadata ? {metadata} : {}),
			...(failed ? {error: {code: 'cli_crashed', message: 'claude exited'}} : {}),
		});
		const file = path.join(dir, `${id}.json`);
		fs.writeFileSync(file, JSON.stringify(result));
		fs.utimesSync(file, finishedAt, finishedAt);
	}
}, 300_000);

afterAll(async () => {
	await fs.promises.rm(home, {recursive: true, force: true});
}, 300_000);

function timed<T>(run: () => T): [T, number] {
	const started = performance.now();
	const value = run();
	return [value, performance.now() - started];
}

describe('the Tasks view with 100,000 finished results', () => {
	test('a page reads only what it shows; filters answer from the index once it is warm', async () => {
		const config = loadConfig(home);
		const [index, buildMs] = timed(() => new TaskIndex(config));
		const [first, pageMs] = timed(() => index.query({page: 1, pageSize: 50}));
		expect(first.total).toBe(RESULTS);
		expect(first.pages).toBe(2000);
		expect(first.tasks.map(task => task.id).slice(0, 2)).toEqual(['task-099999', 'task-099998']);
		const [last] = timed(() => index.query({page: 2000, pageSize: 50}));
		expect(last.tasks.at(-1)?.id).toBe('task-000000');

		const warmStarted = performance.now();
		await index.warm();
		const warmMs = performance.now() - warmStarted;
		const [failed, stateMs] = timed(() => index.query({state: 'failed', page: 1, pageSize: 50}));
		expect(failed.total).toBe(RESULTS / 10);
		expect(failed.tasks.every(task => task.state === 'failed' && task.error === 'cli_crashed')).toBe(true);
		const [found, searchMs] = timed(() => index.query({q: 'needle', page: 1, pageSize: 50}));
		expect(found.tasks.map(task => task.id)).toEqual(['task-077777']);
		const [nightly] = timed(() => index.query({workflow: 'nightly', page: 1, pageSize: 50}));
		expect(nightly.total).toBe(Math.ceil(RESULTS / 300));

		// A new pending task: the index follows in one small listing, and it comes first.
		await dropTask(home, 'coder', 'fresh', {prompt: 'a new one'});
		expect(index.rescanLive('coder')).toEqual(['fresh']);
		const [withFresh, afterChangeMs] = timed(() => index.query({page: 1, pageSize: 50}));
		expect(withFresh.tasks[0]).toMatchObject({id: 'fresh', state: 'pending'});
		expect(withFresh.total).toBe(RESULTS + 1);
		console.log(`100,000 results: index built in ${buildMs.toFixed(0)} ms, first page ${pageMs.toFixed(1)} ms, warm-up ${warmMs.toFixed(0)} ms, state filter ${stateMs.toFixed(1)} ms, search ${searchMs.toFixed(1)} ms, a page after a change ${afterChangeMs.toFixed(1)} ms`);
		// Loose bounds, for a loaded 2-core machine: the point is no per-request listing or parse of every file.
		expect(pageMs).toBeLessThan(500);
		expect(stateMs).toBeLessThan(500);
		expect(searchMs).toBeLessThan(500);
	}, 120_000);

	test('GET /api/tasks over HTTP stays quick', async () => {
		const server = new UiServer(loadConfig(home), {host: '127.0.0.1', port: 0});
		const url = await server.start();
		try {
			await server.index.warm();
			const times: number[] = [];
			for (const query of ['', '?page=1000', '?state=failed&page=3', '?q=needle', '?worker=coder&state=succeeded']) {
				const started = performance.now();
				const response = await fetch(`${url}api/tasks${query}`);
				expect(response.status).toBe(200);
				await response.json();
				times.push(performance.now() - started);
			}

			console.log(`GET /api/tasks with 100,000 results: ${times.map(ms => `${ms.toFixed(0)} ms`).join(', ')}`);
			expect(Math.max(...times)).toBeLessThan(1000);
		} finally {
			await server.close();
		}
	}, 60_000);
});
