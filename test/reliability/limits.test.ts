import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {dropTask, FAKE_CLAUDE, listDir, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

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
			await dropTask(home, 'coder', 'after', {prompt: 'still serving'});
			expect(await waitFor(() => resultOf(home, 'coder', 'after'), 30_000, 'result')).toMatchObject({status: 'succeeded'});
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
