import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type ApiRequest, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, listDir, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {processesUnder} from '../helpers/processes.ts';

let api: FakeApi;
/** Prompts whose first run calls a long Bash loop; each is slow once, then answers at once. */
const slowOnce = new Set<string>();

function answer(request: ApiRequest): ApiReply {
	if (request.prompt.startsWith('SLOW') && request.toolResults === 0 && !slowOnce.has(request.prompt)) {
		slowOnce.add(request.prompt);
		return {tool: 'Bash', input: {command: 'for i in $(seq 60); do sleep 1; done; echo finished-looping'}};
	}

	return {text: `done: ${request.prompt}`};
}

beforeAll(async () => {
	api = await startFakeApi(answer);
});

afterAll(async () => {
	await api.close();
});

async function newHome(): Promise<string> {
	return makeHome({workers: {coder: {concurrency: 1, allowedTools: ['Bash']}}});
}

function listJson(home: string, args: string[] = []) {
	return spool(home, ['list', '--json', ...args]).then(run => JSON.parse(run.stdout) as {tasks: Array<Record<string, any>>; total: number});
}

describe('cancel, list, show and retry with the real claude CLI', () => {
	test('a running task is stopped within 5 s, its result says canceled with the cost so far, and retry runs it again', async () => {
		const home = await newHome();
		const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			await dropTask(home, 'coder', 'slow', {prompt: 'SLOW loop for a minute'});
			const running = await waitFor(async () => (await listJson(home)).tasks.find(task => task.state === 'running' && task.attempts === 1), 30_000, 'the task running');
			expect(running).toMatchObject({worker: 'coder', id: 'slow', owner: expect.any(String)});
			const workspace = path.join(home, 'workspaces', 'coder', 'slow');
			// Not a count of processes: the run's own MCP server (spool mcp --run) runs in the workspace too.
			const show = await waitFor(async () => {
				const shown = await spool(home, ['show', 'slow']);
				return shown.stdout.includes('tool Bash: for i in $(seq 60)') && (await processesUnder(workspace)).length > 2 ? shown : undefined;
			}, 20_000, 'the Bash loop started');
			expect(show.stdout).toContain('coder/slow: running');
			expect(show.stdout).toContain('tool Bash: for i in $(seq 60)');
			// status --watch redraws in place, with the running task, its run time and its current tool call.
			const watch = spool(home, ['status', '--watch', '--interval', '200ms']);
			let screen = '';
			watch.stdout!.on('data', (chunk: Buffer) => {
				screen += chunk.toString();
			});
			await waitFor(() => /coder\/slow\s+1\s+\d+s\s+Bash: for i in \$\(seq 60\)/.test(screen) && screen.split('\u001B[H\u001B[2J').length > 2, 10_000, 'the running task in status --watch, redrawn');
			watch.kill('SIGINT');
			expect((await watch).exitCode).toBe(0);

			const started = Date.now();
			const cancel = await spool(home, ['cancel', 'slow']);
			expect(cancel.exitCode, cancel.stderr).toBe(0);
			expect(cancel.stdout).toMatch(/coder\/slow canceled during its run \([\d.]+ s, \$0\.\d+ so far\)/);
			const result = await waitFor(() => resultOf(home, 'coder', 'slow'), 10_000, 'the canceled result');
			expect(Date.now() - started).toBeLessThan(5000);
			expect(result).toMatchObject({status: 'canceled', attempts: 1, error: {code: 'canceled'}});
			expect(result.costUsd).toBeGreaterThan(0);
			expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
			expect(await processesUnder(workspace)).toEqual([]);
			expect(await listDir(path.join(home, 'control', 'cancel', 'coder'))).toEqual([]);
			// Not retried: nothing is pending, nothing runs.
			await new Promise(resolve => setTimeout(resolve, 1500));
			expect((await listJson(home)).tasks.map(task => `${task.id} ${task.state}`)).toEqual(['slow canceled']);

			const retry = await spool(home, ['retry', 'coder/slow']);
			expect(retry.exitCode, retry.stderr).toBe(0);
			expect(retry.stdout).toContain('coder/slow queued again');
			const again = await waitFor(async () => {
				const latest = await resultOf(home, 'coder', 'slow');
				return latest?.status === 'succeeded' ? latest : undefined;
			}, 30_000, 'the retried run');
			expect(again).toMatchObject({attempts: 1, result: 'done: SLOW loop for a minute'});
			const history = await fs.readdir(path.join(home, 'results', 'coder', '.history'));
			expect(history.filter(name => name.endsWith('.json'))).toHaveLength(1);
			const earlier = await readJson(path.join(home, 'results', 'coder', '.history', history.find(name => name.endsWith('.json'))!));
			expect(earlier?.status).toBe('canceled');
			// The new run's transcript is a file of its own, from its first line.
			const [first] = (await fs.readFile(path.join(home, 'results', 'coder', 'slow.jsonl'), 'utf8')).split('\n');
			expect(JSON.parse(first!)).toMatchObject({type: 'spool', event: 'attempt', runId: again.runId});
			const shown = await spool(home, ['show', 'coder/slow']);
			expect(shown.stdout).toContain('coder/slow: succeeded');
			expect(shown.stdout, shown.stdout).toContain('claude: done: SLOW loop for a minute');
		} finally {
			worker.kill('SIGTERM');
			await worker;
		}
	}, 90_000);

	test('a pending task is canceled at once and never runs; priorities order the claims; a delayed task shows as delayed', async () => {
		const home = await newHome();
		for (const id of ['a1', 'a2', 'a3']) {
			await dropTask(home, 'coder', id, {prompt: `plain ${id}`});
		}

		await dropTask(home, 'coder', 'urgent', {prompt: 'plain urgent', priority: 5});
		await dropTask(home, 'coder', 'doomed', {prompt: 'plain doomed'});
		await dropTask(home, 'coder', 'later', {prompt: 'plain later', notBefore: new Date(Date.now() + 3_600_000).toISOString()});
		const listed = await listJson(home);
		expect(listed.tasks.map(task => `${task.id} ${task.state}`).sort()).toEqual(['a1 pending', 'a2 pending', 'a3 pending', 'doomed pending', 'later delayed', 'urgent pending']);
		const cancel = await spool(home, ['cancel', 'doomed']);
		expect(cancel.stdout).toBe('coder/doomed canceled before it ran');
		expect(await resultOf(home, 'coder', 'doomed')).toMatchObject({status: 'canceled', costUsd: 0, attempts: 0, task: {prompt: 'plain doomed'}});

		const requestsBefore = api.requests.length;
		const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			for (const id of ['a1', 'a2', 'a3', 'urgent']) {
				await waitFor(() => resultOf(home, 'coder', id), 60_000, `result of ${id}`);
			}

			const prompts = api.requests.slice(requestsBefore).map(request => request.prompt);
			expect(prompts[0]).toBe('plain urgent');
			expect(prompts).not.toContain('plain doomed');
			expect(prompts).not.toContain('plain later');
			expect((await listJson(home, ['--state', 'delayed'])).tasks.map(task => task.id)).toEqual(['later']);
			const list = await spool(home, ['list']);
			expect(list.stdout).toMatch(/coder\s+later\s+delayed\s+0\s+in (60m|1h)/);
			expect(list.stdout).toMatch(/coder\s+doomed\s+canceled/);
		} finally {
			worker.kill('SIGTERM');
			await worker;
		}
	}, 90_000);

	test('bad references get clear errors', async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}}});
		await dropTask(home, 'coder', 'twin', {prompt: 'x'});
		await dropTask(home, 'reviewer', 'twin', {prompt: 'y'});
		const ambiguous = await spool(home, ['show', 'twin']);
		expect(ambiguous.exitCode).toBe(1);
		expect(ambiguous.stderr).toContain('task "twin" is found under coder and reviewer: name it as coder/twin or reviewer/twin');
		expect((await spool(home, ['cancel', 'nosuch'])).stderr).toContain('no task "nosuch" in the folders of any worker');
		expect((await spool(home, ['show', 'ghost/twin'])).stderr).toContain('no worker named "ghost"');
		expect((await spool(home, ['list', '--state', 'banana'])).stderr).toContain('unknown state "banana": use one of pending, delayed, running');
		const retryPending = await spool(home, ['retry', 'coder/twin']);
		expect(retryPending.exitCode).toBe(1);
		expect(retryPending.stdout).toContain('coder/twin: is pending; only failed, dead, canceled tasks are retried');
	});
});
