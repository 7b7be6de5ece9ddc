import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, FAKE_CLAUDE, listDir, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {processesUnder} from '../helpers/processes.ts';

let api: FakeApi;
const seen = new Map<string, number>();

beforeAll(async () => {
	// The prompt scripts the stand-in: "fail N times with STATUS" fails the first N requests for it.
	api = await startFakeApi((request): ApiReply => {
		const count = (seen.get(request.prompt) ?? 0) + 1;
		seen.set(request.prompt, count);
		const failing = /fail (\d+) times with (\d+)/.exec(request.prompt);
		if (failing && count <= Number(failing[1])) {
			return {status: Number(failing[2]), message: `scripted failure ${count}`};
		}

		if (request.prompt.startsWith('loop tools')) {
			return {tool: 'Bash', input: {command: 'true', description: 'noop'}};
		}

		if (request.prompt.startsWith('never answer')) {
			return {hang: true};
		}

		return {text: `done: ${request.prompt}`};
	});
});

afterAll(async () => {
	await api.close();
});

const QUEUE = {lease: '2s', scanInterval: '200ms', retryBackoff: '200ms', retryBackoffMax: '1s', maxAttempts: 3};

async function runWorker<T>(home: string, env: Record<string, string>, body: () => Promise<T>): Promise<T> {
	const loop = spool(home, ['worker', 'coder'], {env});
	try {
		return await body();
	} finally {
		loop.kill('SIGTERM');
		await loop;
	}
}

describe('retries', () => {
	test('API 529 and 500 are retried with backoff until the task succeeds', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
		await runWorker(home, apiEnv(api.url), async () => {
			// The CLI itself tries each request twice (CLAUDE_CODE_MAX_RETRIES=1): four failures fail two attempts.
			await dropTask(home, 'coder', 'flaky', {prompt: 'fail 4 times with 529'});
			const result = await waitFor(() => resultOf(home, 'coder', 'flaky'), 30_000, 'result');
			expect(result).toMatchObject({status: 'succeeded', attempts: 3});
			expect(result.history.map((record: {error: {code: string}}) => record.error.code)).toEqual(['api_unavailable', 'api_unavailable']);
			const gaps = result.history.map((record: {finishedAt: string}) => Date.parse(record.finishedAt));
			// Backoff: 200 ms * 2^(n-1) with 50-100 % jitter between attempts.
			expect(Date.parse(result.startedAt) - gaps[1]).toBeGreaterThanOrEqual(200);
		});
	}, 60_000);

	test('a task that keeps failing is dead-lettered after maxAttempts with the history of its errors', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
		await runWorker(home, apiEnv(api.url), async () => {
			await dropTask(home, 'coder', 'doomed', {prompt: 'fail 9 times with 500'});
			const result = await waitFor(() => resultOf(home, 'coder', 'doomed'), 30_000, 'result');
			expect(result).toMatchObject({status: 'dead', attempts: 3, error: {code: 'api_unavailable'}});
			expect(result.error.message).toMatch(/^gave up after 3 attempts: API error 500/);
			expect(result.history).toHaveLength(2);
			expect(result.task).toEqual({prompt: 'fail 9 times with 500'});
			expect(seen.get('fail 9 times with 500')).toBe(3 * 2); // The CLI itself tries each request twice (CLAUDE_CODE_MAX_RETRIES=1).
		});
	}, 60_000);

	test('non-retryable failures are not retried: a 400, and a task past its own turn limit', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
		await runWorker(home, apiEnv(api.url), async () => {
			await dropTask(home, 'coder', 'bad-request', {prompt: 'fail 9 times with 400'});
			await dropTask(home, 'coder', 'turns', {prompt: 'loop tools forever', maxTurns: 1});
			const bad = await waitFor(() => resultOf(home, 'coder', 'bad-request'), 30_000, 'result');
			expect(bad).toMatchObject({status: 'failed', attempts: 1, apiErrorStatus: 400, error: {code: 'api_error'}});
			const turns = await waitFor(() => resultOf(home, 'coder', 'turns'), 30_000, 'result');
			expect(turns).toMatchObject({status: 'failed', attempts: 1, subtype: 'error_max_turns', error: {code: 'error_max_turns'}});
		});
	}, 60_000);

	test('a CLI that crashes is retried; one that exits non-zero without a result says so', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {...QUEUE, maxAttempts: 2}});
		await runWorker(home, {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}, async () => {
			await dropTask(home, 'coder', 'crashy', {prompt: 'crash'});
			await dropTask(home, 'coder', 'exit3', {prompt: 'exit:3'});
			const crashy = await waitFor(() => resultOf(home, 'coder', 'crashy'), 30_000, 'result');
			expect(crashy).toMatchObject({status: 'dead', attempts: 2, signal: 'SIGKILL', error: {code: 'cli_crashed'}});
			const exit3 = await waitFor(() => resultOf(home, 'coder', 'exit3'), 30_000, 'result');
			expect(exit3).toMatchObject({status: 'dead', exitCode: 3, error: {code: 'cli_crashed'}});
			expect(exit3.error.message).toContain('fake-claude: asked to fail');
		});
	}, 60_000);

	test('a claude binary that cannot be spawned fails the task with a message naming the binary, and the worker goes on', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {...QUEUE, maxAttempts: 2}});
		const missing = path.join(home, 'no-such-claude');
		await runWorker(home, {SPOOL_CLAUDE_BIN: missing}, async () => {
			await dropTask(home, 'coder', 'orphan', {prompt: 'hello'});
			const result = await waitFor(() => resultOf(home, 'coder', 'orphan'), 30_000, 'result');
			expect(result).toMatchObject({status: 'dead', attempts: 2, exitCode: null, error: {code: 'cli_not_started'}});
			expect(result.error.message).toContain(`spawn ${missing} ENOENT`);
			expect(result.task).toEqual({prompt: 'hello'});
		});
	}, 60_000);
});

describe('hangs', () => {
	test('an API that never answers: the timeout kills the whole process tree and the attempt is retried', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {...QUEUE, maxAttempts: 2}});
		await runWorker(home, apiEnv(api.url), async () => {
			await dropTask(home, 'coder', 'stuck', {prompt: 'never answer', timeout: '1500ms'});
			const result = await waitFor(() => resultOf(home, 'coder', 'stuck'), 30_000, 'result');
			expect(result).toMatchObject({status: 'dead', attempts: 2, timedOut: true, error: {code: 'timeout'}});
			expect(result.history[0].error.code).toBe('timeout');
			expect(await processesUnder(path.join(home, 'workspaces'))).toEqual([]);
		});
	}, 60_000);

	test('a hung CLI with a child of its own leaves no process behind', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {...QUEUE, maxAttempts: 1}});
		await runWorker(home, {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}, async () => {
			await dropTask(home, 'coder', 'tree', {prompt: 'hang with a child', timeout: '1s'});
			await waitFor(async () => (await processesUnder(path.join(home, 'workspaces'))).length >= 2, 10_000, 'claude and its child');
			const result = await waitFor(() => resultOf(home, 'coder', 'tree'), 30_000, 'result');
			expect(result).toMatchObject({status: 'dead', timedOut: true});
			expect(await processesUnder(path.join(home, 'workspaces'))).toEqual([]);
			expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);
			expect(await readJson(path.join(home, 'results', 'coder', 'tree.json'))).toMatchObject({attempts: 1});
		});
	}, 60_000);
});
