import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, listDir, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(request => (request.toolResults === 0 ? {tool: 'mcp__spool__ask_human', input: {question: 'Go on?'}} : {text: 'went on'}));
});

afterAll(async () => {
	await api.close();
});

const waitingDir = (home: string) => path.join(home, 'waiting', 'coder');

describe('kill -9 in the middle of a move into or out of waiting/', () => {
	test('a loop killed between parking steps: the task waits again without a second run; `spool answer` killed mid-answer: a loop finishes queueing it', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {lease: '1s'}});
		try {
			const crashing = spool(home, ['worker', 'coder'], {env: {...apiEnv(api.url), SPOOL_CRASH_AT: 'after-park-fence'}});
			await dropTask(home, 'coder', 'go', {prompt: 'ASK to go on'});
			expect((await crashing).signal).toBe('SIGKILL');
			expect(await listDir(waitingDir(home))).toEqual([]);
			const asked = api.requests.length;

			const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
			const waiting = await waitFor(() => readJson(path.join(waitingDir(home), 'go.json')), 30_000, 'the task to wait again');
			expect(waiting.ask.question).toBe('Go on?');
			expect(api.requests.length).toBe(asked); // Parked again from its file: claude did not run a second time.
			await waitFor(async () => (await fs.stat(path.join(home, 'results', 'coder', 'go.question.md')).catch(() => undefined)) !== undefined, 10_000, 'question.md');

			const answering = await spool(home, ['answer', 'coder/go', 'yes'], {env: {SPOOL_CRASH_AT: 'after-answer-fence'}});
			expect(answering.signal).toBe('SIGKILL');
			expect((await listDir(waitingDir(home))).some(name => name.startsWith('.out-'))).toBe(true);
			// The loop's look at waiting/ finds the fenced file once it is older than the lease, and queues it with its answer.
			const result = await waitFor(() => resultOf(home, 'coder', 'go'), 30_000, 'the resumed result');
			expect(result).toMatchObject({status: 'succeeded', result: 'went on', questions: [{question: 'Go on?', answer: 'yes', answeredBy: 'command'}]});
			expect(await listDir(waitingDir(home))).toEqual([]);
			worker.kill('SIGTERM');
			await worker;
		} finally {
			await killProcessesOfHome(home);
		}
	}, 90_000);
});
