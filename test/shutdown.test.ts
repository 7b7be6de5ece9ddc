import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, dropTask, listDir, makeHome, readJson, spool, waitFor} from './helpers/home.ts';
import {processesUnder} from './helpers/processes.ts';

let api: FakeApi;

beforeAll(async () => {
	// The API never answers: every claude run hangs until spool stops it.
	api = await startFakeApi(() => ({hang: true}));
});

afterAll(async () => {
	await api.close();
});

test('SIGTERM ends spool up cleanly: tasks handed back, no claude process left behind', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 2}, reviewer: {}}, queue: {drainTimeout: '1s'}});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	await dropTask(home, 'coder', 'a', {prompt: 'hang one'});
	await dropTask(home, 'coder', 'b', {prompt: 'hang two'});
	await dropTask(home, 'reviewer', 'c', {prompt: 'hang three'});
	const workspaces = path.join(home, 'workspaces');
	await waitFor(async () => api.requests.length >= 3 && (await processesUnder(workspaces)).length >= 3, 30_000, 'three claude runs');

	const stopAt = Date.now();
	up.kill('SIGTERM');
	const exit = await up;
	const tookMs = Date.now() - stopAt;
	expect(exit.exitCode).toBe(0);
	expect(tookMs).toBeLessThan(1000 + 5000 + 3000);
	expect(await processesUnder(workspaces)).toEqual([]);
	expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual(['a.json', 'b.json']);
	expect(await listDir(path.join(home, 'tasks', 'reviewer'))).toEqual(['c.json']);
	// Handed back, not failed: the attempt does not count and no result was written.
	expect(await readJson(path.join(home, 'tasks', 'coder', 'a.json'))).toEqual({prompt: 'hang one'});
	expect(await listDir(path.join(home, 'results', 'coder'))).not.toContain('a.json');
	expect(await listDir(path.join(home, 'processing', 'coder'))).toEqual([]);
}, 60_000);
