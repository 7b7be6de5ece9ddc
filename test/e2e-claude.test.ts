import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, resultOf, spool, waitFor} from './helpers/home.ts';
import {spawnerHelpersOf} from './helpers/processes.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(request => {
		if (request.prompt.includes('WRITE A FILE') && request.toolResults === 0) {
			return {tool: 'Write', input: {file_path: 'hello.txt', content: 'written by the Write tool\n'}};
		}

		const worker = /MARKER-(\w+)/.exec(request.system)?.[1] ?? 'none';
		return {text: `worker=${worker} key=${request.apiKey} prompt=${request.prompt.slice(0, 40)}`};
	});
});

afterAll(async () => {
	await api.close();
});

describe('spool up with the real claude CLI', () => {
	test('hand-dropped tasks for two workers run with each worker\'s own system prompt and auth home', async () => {
		const home = await makeHome({
			workers: {
				coder: {systemPrompt: 'You are MARKER-coder.', concurrency: 2},
				reviewer: {systemPrompt: 'You are MARKER-reviewer.'},
			},
		});
		for (const worker of ['coder', 'reviewer']) {
			await fs.mkdir(path.join(home, 'auth-homes', worker), {recursive: true});
			await fs.writeFile(path.join(home, 'auth-homes', worker, 'settings.json'), JSON.stringify({env: {ANTHROPIC_API_KEY: `sk-${worker}-key`}}));
		}

		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			await dropTask(home, 'coder', 'first', {prompt: 'Summarise README.md'});
			await dropTask(home, 'reviewer', 'second', {prompt: '-starts with a dash'});
			const coder = await waitFor(() => resultOf(home, 'coder', 'first'), 30_000, 'coder result');
			const reviewer = await waitFor(() => resultOf(home, 'reviewer', 'second'), 30_000, 'reviewer result');
			expect(coder).toMatchObject({id: 'first', worker: 'coder', status: 'succeeded', attempts: 1, error: null});
			// The stand-in echoed each key back; spool takes the worker's own key out of what it writes.
			expect(coder.result).toBe('worker=coder key=[redacted] prompt=Summarise README.md');
			expect(reviewer.result).toBe('worker=reviewer key=[redacted] prompt=-starts with a dash');
			const seen = api.requests.map(request => `${/MARKER-(\w+)/.exec(request.system)?.[1]} ${request.apiKey}`);
			expect(seen).toContain('coder sk-coder-key');
			expect(seen).toContain('reviewer sk-reviewer-key');
			expect(seen.filter(line => line.includes('sk-test-from-env'))).toEqual([]);
			expect(coder.sessionId).toMatch(/^[0-9a-f-]{36}$/);
			expect(coder.costUsd).toBeGreaterThan(0);
			expect(coder.numTurns).toBe(1);
			expect(coder.cwd).toBe(path.join(home, 'workspaces', 'coder', 'first'));
			const transcript = await fs.readFile(path.join(home, 'results', 'coder', 'first.jsonl'), 'utf8');
			expect(transcript).toContain('"type":"result"');
			expect(await fs.readdir(path.join(home, 'tasks', 'coder'))).toEqual([]);
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 60_000);
});

describe('a worker loop with the real claude CLI', () => {
	// claude started by the spawner helper, as always, and from the worker itself: the fallback when the helper is gone.
	test.each([
		{way: 'by the spawner helper', env: {} as Record<string, string>, helpers: 1},
		{way: 'from the worker itself (SPOOL_SPAWN_DIRECT=1)', env: {SPOOL_SPAWN_DIRECT: '1'}, helpers: 0},
	])('a tool call writes a file in the task\'s own workspace, claude started $way', async ({env, helpers}) => {
		const home = await makeHome({workers: {coder: {}}});
		const worker = spool(home, ['worker', 'coder'], {env: {...apiEnv(api.url), ...env}});
		try {
			await dropTask(home, 'coder', 'tool', {prompt: 'WRITE A FILE please'});
			const result = await waitFor(() => resultOf(home, 'coder', 'tool'), 30_000, 'result');
			expect(result).toMatchObject({status: 'succeeded', numTurns: 2});
			const workspace = path.join(home, 'workspaces', 'coder', 'tool');
			expect(result.cwd).toBe(workspace);
			expect(await fs.readFile(path.join(workspace, 'hello.txt'), 'utf8')).toBe('written by the Write tool\n');
			expect(await spawnerHelpersOf(worker.pid!)).toHaveLength(helpers);
		} finally {
			worker.kill('SIGTERM');
			await worker;
		}
	}, 60_000);
});
