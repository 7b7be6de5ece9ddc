import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, expectStillServing, FAKE_CLAUDE, listDir, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

const MiB = 1024 * 1024;
const LINE_LIMIT = 16 * MiB;

/** The peak resident memory of a process so far, in bytes (VmHWM). */
async function peakMemory(pid: number): Promise<number> {
	const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
	return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) * 1024;
}

async function readTranscript(home: string, id: string): Promise<string[]> {
	return (await fs.readFile(path.join(home, 'results', 'coder', `${id}.jsonl`), 'utf8')).split('\n').filter(Boolean);
}

describe('a line of CLI output over the line limit', () => {
	test('is left out of the transcript with a marker naming its size and the limit; the run and a task beside it succeed', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 2}}, queue: {maxAttempts: 1}});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await dropTask(home, 'coder', 'bystander', {prompt: 'sleep:1500'});
			await dropTask(home, 'coder', 'giant', {prompt: 'giant line:20'});
			const giant = await waitFor(() => resultOf(home, 'coder', 'giant'), 30_000, 'the giant line result');
			expect(giant).toMatchObject({status: 'succeeded', result: 'done: giant line:20'});
			const lines = await readTranscript(home, 'giant');
			expect(lines.every(line => line.length < 4096)).toBe(true);
			const marker = lines.map(line => JSON.parse(line)).find(event => event.event === 'line_too_long');
			expect(marker).toEqual({type: 'spool', event: 'line_too_long', bytes: expect.any(Number), limit: LINE_LIMIT, lineType: 'user'});
			expect(marker.bytes).toBeGreaterThan(20 * MiB);
			expect(await waitFor(() => resultOf(home, 'coder', 'bystander'), 30_000, 'the bystander result')).toMatchObject({status: 'succeeded'});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		expect(await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8')).toMatch(/"lines":1,"limit":16777216,.*claude wrote lines over the line limit/);
	}, 60_000);

	test('fails the task with output_too_large, not retried, when it was the result line', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {maxAttempts: 3, retryBackoff: '100ms'}});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await dropTask(home, 'coder', 'answer', {prompt: 'giant result:20'});
			const result = await waitFor(() => resultOf(home, 'coder', 'answer'), 30_000, 'result');
			// Picked out: a failure would print the 20 MB answer.
			expect({status: result.status, attempts: result.attempts, resultBytes: result.result?.length ?? 0, code: result.error?.code}).toEqual({status: 'failed', attempts: 1, resultBytes: 0, code: 'output_too_large'});
			expect(result.error.message).toMatch(/^claude's last line of output was \d+ bytes, over the limit of 16777216 bytes spool reads per line/);
			await expectStillServing(home, 'coder', 'after', {prompt: 'still serving'});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);

	test('of 700 MB neither crashes the worker nor is held in memory', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 2}}, queue: {maxAttempts: 1}});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await dropTask(home, 'coder', 'bystander', {prompt: 'sleep:2000'});
			await dropTask(home, 'coder', 'giant', {prompt: 'giant line:700'});
			const started = Date.now();
			const giant = await waitFor(() => resultOf(home, 'coder', 'giant'), 20_000, 'the giant line result');
			expect(giant).toMatchObject({status: 'succeeded'});
			expect(Date.now() - started).toBeLessThan(20_000);
			expect(await waitFor(() => resultOf(home, 'coder', 'bystander'), 20_000, 'the bystander result')).toMatchObject({status: 'succeeded'});
			// A worker's own peak is about 80 MB (170 MB in this run, with the line streaming through); holding the line would take 700 MB at least.
			expect(await peakMemory(loop.pid!)).toBeLessThan(250 * MiB);
			expect(await listDir(path.join(home, 'processing', 'coder'))).toHaveLength(1); // Only this loop's own (empty) claims folder.
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		expect((await fs.stat(path.join(home, 'results', 'coder', 'giant.jsonl'))).size).toBeLessThan(64 * 1024);
	}, 60_000);
});

describe('values too large for one argument of claude', () => {
	let api: FakeApi;

	beforeAll(async () => {
		// Answers "structured" with the StructuredOutput tool, the way a model fills a jsonSchema.
		api = await startFakeApi(request => {
			if (request.prompt === 'structured' && request.tools.includes('StructuredOutput') && request.toolResults === 0) {
				return {tool: 'StructuredOutput', input: {name: 'bob'}};
			}

			return {text: `done: ${request.prompt}`};
		});
	});

	afterAll(async () => {
		await api.close();
	});

	/** A JSON Schema of about `bytes` bytes: one object with many described string fields. */
	function schemaOf(bytes: number): Record<string, unknown> {
		const properties: Record<string, unknown> = {name: {type: 'string'}};
		for (let n = 0; Object.keys(properties).length * 120 < bytes; n++) {
			properties[`field_${n}`] = {type: 'string', description: `field ${n} `.padEnd(80, '.')};
		}

		return {type: 'object', properties, required: ['name']};
	}

	test('a 300 KB system prompt reaches the API whole, and a 120 KB jsonSchema is used', async () => {
		const systemPrompt = `${'You are a careful worker. '.repeat(12_000)}END-OF-PROMPT`;
		const home = await makeHome({workers: {coder: {systemPrompt}}});
		const loop = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			const schema = schemaOf(120 * 1024);
			expect(JSON.stringify(schema).length).toBeGreaterThan(120 * 1024);
			await dropTask(home, 'coder', 'plain', {prompt: 'hello'});
			await dropTask(home, 'coder', 'shaped', {prompt: 'structured', jsonSchema: schema});
			expect(await waitFor(() => resultOf(home, 'coder', 'plain'), 30_000, 'result')).toMatchObject({status: 'succeeded', result: 'done: hello'});
			expect(await waitFor(() => resultOf(home, 'coder', 'shaped'), 30_000, 'result')).toMatchObject({status: 'succeeded', structuredOutput: {name: 'bob'}});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		const first = api.requests.find(request => request.prompt === 'hello');
		expect(first?.system).toContain(systemPrompt);
	}, 60_000);

	test('a task with a 200 KB jsonSchema is rejected before anything runs, naming the field, its size and the limit', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const loop = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		const before = api.requests.length;
		try {
			await dropTask(home, 'coder', 'huge-schema', {prompt: 'structured', jsonSchema: schemaOf(200 * 1024)});
			const result = await waitFor(() => resultOf(home, 'coder', 'huge-schema'), 30_000, 'result');
			expect(result).toMatchObject({status: 'rejected', error: {code: 'argument_too_large'}});
			expect(result.error.message).toMatch(/^jsonSchema: 2\d{5} bytes as JSON, over the 131071 bytes one argument can hold/);
			expect(await listDir(path.join(home, 'rejected', 'coder'))).toEqual(['huge-schema.json']);
			expect(api.requests.length).toBe(before);
			await expectStillServing(home, 'coder', 'after', {prompt: 'still serving'});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);

	test('a worker whose arguments are over the system limit (E2BIG) fails its tasks with argument_too_large, naming the argument', async () => {
		// 20 000 allowed tools make one --allowedTools argument of about 300 KB: a spool.yaml mistake, not the task's.
		const allowedTools = Array.from({length: 20_000}, (_, n) => `mcp__server__tool_${n}`);
		const home = await makeHome({workers: {coder: {allowedTools}}, queue: {maxAttempts: 3}});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await dropTask(home, 'coder', 'one', {prompt: 'hello'});
			const result = await waitFor(() => resultOf(home, 'coder', 'one'), 30_000, 'result');
			expect(result).toMatchObject({status: 'failed', attempts: 1, error: {code: 'argument_too_large'}});
			expect(result.error.message).toMatch(/^claude could not be started \(spawn E2BIG: the arguments and environment take \d+ bytes, the largest argument \(--allowedTools\) \d+ bytes; Linux allows 131071 bytes for one argument/);
			await dropTask(home, 'coder', 'two', {prompt: 'hello'});
			expect(await waitFor(() => resultOf(home, 'coder', 'two'), 30_000, 'result')).toMatchObject({status: 'failed', error: {code: 'argument_too_large'}});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);
});
