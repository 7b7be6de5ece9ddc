import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiRequest, type ApiReply, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

const failures = new Map<string, number>();

/** "flaky": two 500s first (the CLI retries once itself); "limited": two 429s; "hang": never answered. */
function reply(request: ApiRequest): ApiReply {
	const seen = failures.get(request.prompt) ?? 0;
	if (request.prompt === 'flaky' && seen < 2) {
		failures.set(request.prompt, seen + 1);
		return {status: 500, type: 'api_error', message: 'boom'};
	}

	if (request.prompt === 'limited' && seen < 2) {
		failures.set(request.prompt, seen + 1);
		return {status: 429, type: 'rate_limit_error', message: 'slow down', headers: {'retry-after': '1'}};
	}

	if (request.prompt.startsWith('hang')) {
		return {hang: true};
	}

	if (request.prompt === 'a tool, then hang') {
		return request.toolResults === 0 ? {tool: 'Bash', input: {command: 'true'}, usage: {input_tokens: 3000, output_tokens: 200}} : {hang: true};
	}

	return {text: `done: ${request.prompt}`, usage: {input_tokens: 1000, output_tokens: 100}};
}

let api: FakeApi;
beforeAll(async () => {
	api = await startFakeApi(reply);
});
afterAll(async () => api.close());

type Line = {task: string; attempt: number; outcome: string; error: string | null; costUsd: number; usage: Record<string, number>; model: string | null; auth: string; workflow: string | null; sessionId: string | null; runId: string};

async function ledgerLines(home: string): Promise<Line[]> {
	const dir = path.join(home, 'ledger');
	const files = (await fs.readdir(dir).catch(() => [])).filter(name => name.endsWith('.jsonl'));
	const text = (await Promise.all(files.map(async name => fs.readFile(path.join(dir, name), 'utf8')))).join('');
	return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as Line);
}

describe('the cost ledger', () => {
	test('every run that reached claude is one line, whatever became of it: succeeded, retried, paused, canceled, handed back', async () => {
		const home = await makeHome({workers: {coder: {model: 'claude-sonnet-4-5', concurrency: 2}}, queue: {lease: '3s', retryBackoff: '100ms', rateLimitWait: '1s', drainTimeout: '1s'}});
		let loop = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			await dropTask(home, 'coder', 'ok', {prompt: 'ok', metadata: {workflow: 'wf-1'}});
			// One after the other: at concurrency 2, two tasks dropped together finish in either order, and so do their lines.
			await waitFor(() => resultOf(home, 'coder', 'ok'), 30_000, 'ok');
			await dropTask(home, 'coder', 'flaky', {prompt: 'flaky'});
			await waitFor(() => resultOf(home, 'coder', 'flaky'), 30_000, 'flaky');
			await dropTask(home, 'coder', 'limited', {prompt: 'limited'});
			await waitFor(() => resultOf(home, 'coder', 'limited'), 30_000, 'limited');
			await dropTask(home, 'coder', 'doomed', {prompt: 'hang until canceled'});
			await waitFor(() => api.requests.some(request => request.prompt === 'hang until canceled'), 20_000, 'doomed running');
			expect((await spool(home, ['cancel', 'doomed'])).exitCode).toBe(0);
			await waitFor(() => resultOf(home, 'coder', 'doomed'), 20_000, 'doomed');
			await dropTask(home, 'coder', 'stopped', {prompt: 'hang until shutdown'});
			await waitFor(() => api.requests.some(request => request.prompt === 'hang until shutdown'), 20_000, 'stopped running');
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		const lines = await ledgerLines(home);
		const outcomes = lines.map(line => `${line.task}#${line.attempt} ${line.outcome}${line.error ? ` ${line.error}` : ''}`);
		expect(outcomes).toEqual([
			'ok#1 succeeded',
			'flaky#1 retrying api_unavailable',
			'flaky#2 succeeded',
			'limited#1 paused rate_limited',
			'limited#1 succeeded',
			'doomed#1 canceled canceled',
			'stopped#1 handed-back',
		]);
		const ok = lines[0]!;
		expect(ok).toMatchObject({workflow: 'wf-1', auth: 'api-key', model: 'claude-sonnet-4-5', usage: {input: 1000, output: 100, cacheRead: 0, cacheWrite: 0}});
		expect(ok.costUsd).toBeCloseTo(0.0045, 6); // 1000 × $3/M + 100 × $15/M
		expect(ok.sessionId).toMatch(/^[\da-f-]{36}$/);
		// What each line cost is what its result says, attempts included.
		const result = await resultOf(home, 'coder', 'ok');
		expect(result).toMatchObject({costUsd: ok.costUsd, runId: ok.runId});
		expect(new Set(lines.map(line => line.runId)).size).toBe(lines.length);

		// A task handed back at shutdown runs again on the next start: its second run is a line of its own.
		loop = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			await waitFor(async () => (await ledgerLines(home)).length === lines.length + 0 && api.requests.filter(request => request.prompt === 'hang until shutdown').length >= 2, 20_000, 'stopped running again');
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		expect((await ledgerLines(home)).slice(lines.length).map(line => `${line.task} ${line.outcome}`)).toEqual(['stopped handed-back']);
	}, 90_000);

	test("a run stopped before claude's result line (here its timeout) still costs what its stream showed, reckoned from its tokens", async () => {
		const home = await makeHome({workers: {coder: {model: 'claude-sonnet-4-5', allowedTools: ['Bash']}}, queue: {lease: '3s', maxAttempts: 1}});
		const loop = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			// 10 s: the first turn (claude's start, its sandbox, the Bash call) must be over before the timeout; in a
			// clean-clone CI run under load, 4 s once ran out before the stream showed any tokens.
			await dropTask(home, 'coder', 'slow', {prompt: 'a tool, then hang', timeout: '10s'});
			const result = await waitFor(() => resultOf(home, 'coder', 'slow'), 30_000, 'timed out');
			expect(result).toMatchObject({status: 'dead', error: {code: 'timeout'}, costFromTokens: true});
			// The first turn's 3,000 input tokens at $3 a million, and its output read from its content; the hanging turn showed nothing.
			expect(result.costUsd).toBeGreaterThanOrEqual(0.009);
			expect(result.costUsd).toBeLessThan(0.012);
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		const [line] = await ledgerLines(home);
		expect(line).toMatchObject({task: 'slow', outcome: 'dead', error: 'timeout', costFrom: 'tokens', usage: {input: 3000}});
		expect(line!.costUsd).toBe((await resultOf(home, 'coder', 'slow'))!.costUsd);
	}, 60_000);
});
