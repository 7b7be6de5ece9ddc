import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {lastToolResult, startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {workflowResult, writeWorkflow} from '../helpers/workflows.ts';

let api: FakeApi;
let flakyFailed = 0;

beforeAll(async () => {
	api = await startFakeApi(request => {
		const told = lastToolResult(request);
		if (request.prompt.includes('ASK FLAKY')) {
			if (request.toolResults === 0) {
				return {tool: 'mcp__spool__ask_human', input: {question: 'Flaky?'}};
			}

			// The first requests after the answer fail (the CLI retries once itself): the resumed run is retried, and no call is pending then.
			flakyFailed += 1;
			return flakyFailed <= 2 ? {status: 500, message: 'overloaded'} : {text: `after the retry: ${JSON.stringify(request.body.messages).includes('The person answered') ? 'had the answer' : 'no answer'}`};
		}

		if (request.prompt.includes('ASK TWICE')) {
			if (request.toolResults === 0) {
				return {tool: 'mcp__spool__ask_human', input: {question: 'First question?'}};
			}

			if (request.toolResults === 1) {
				return {tool: 'mcp__spool__ask_human', input: {question: 'Second question?', context: `after: ${told}`}};
			}

			return {text: `both answered, last: ${told}`};
		}

		if (request.prompt.includes('ASK')) {
			if (request.toolResults === 0) {
				return {tool: 'mcp__spool__ask_human', input: {question: 'Which colour should the button be?', options: ['red', 'blue'], context: 'The design file names none.'}};
			}

			return {text: `told: ${told}`};
		}

		return {text: `done: ${request.prompt}`};
	});
});

afterAll(async () => {
	await api.close();
});

async function startWorker(home: string) {
	const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	if (process.env.SHOW_WORKER) worker.stderr?.on('data', (chunk: Buffer) => process.stdout.write(`W: ${chunk}`));
	await waitFor(async () => (await fs.readdir(path.join(home, 'processing', 'coder')).catch(() => [])).length > 0, 20_000, 'the loop to start');
	return {worker}; // Not the process itself: a returned thenable would be awaited to its exit.
}

async function stop(home: string, {worker}: {worker: ReturnType<typeof spool>}) {
	worker.kill('SIGTERM');
	await worker;
	await killProcessesOfHome(home);
}

const waitingFile = (home: string, id: string) => path.join(home, 'waiting', 'coder', `${id}.json`);

describe('an agent asks a person with ask_human (real claude CLI)', () => {
	test('the run ends and frees its slot, the task waits, spool answer resumes the same session with the answer', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 1}}});
		const worker = await startWorker(home);
		try {
			await dropTask(home, 'coder', 'button', {prompt: 'ASK about the button colour'});
			const waiting = await waitFor(() => readJson(waitingFile(home, 'button')), 30_000, 'the task to wait');
			// The worker's own prompt, then what spool says about asking.
			const asked = api.requests.find(request => request.prompt === 'ASK about the button colour')!;
			expect(asked.system).toContain('You are the coder worker.');
			expect(asked.system).toContain('# Asking a person');
			// Among the tools claude offers (an MCP tool is listed for ToolSearch to load, its schema sent once loaded).
			expect(JSON.stringify(asked.body)).toContain('mcp__spool__ask_human');
			expect(waiting.ask).toMatchObject({question: 'Which colour should the button be?', options: ['red', 'blue'], context: 'The design file names none.', attempt: 1});
			expect(waiting.attempts).toBe(0); // Asking burns no attempt.
			// Written just after the task is parked in waiting/ (park-task.ts): it may lag the waiting file by a moment.
			const question = await waitFor(() => fs.readFile(path.join(home, 'results', 'coder', 'button.question.md'), 'utf8').catch(() => undefined), 10_000, 'the question page');
			expect(question).toContain('> Which colour should the button be?');
			expect(question).toContain('- blue');
			expect(question).toContain('spool answer coder/button "your answer"');
			expect(question).toContain('results/coder/button.answer.md');
			expect(question).toContain('> ASK about the button colour');
			expect(question).toContain('mcp__spool__ask_human: Which colour should the button be?');

			// Concurrency 1: another task runs on the slot the question freed.
			await dropTask(home, 'coder', 'other', {prompt: 'OTHER work'});
			expect(await waitFor(() => resultOf(home, 'coder', 'other'), 30_000, 'the other task')).toMatchObject({status: 'succeeded', result: 'done: OTHER work'});

			const list = await spool(home, ['list', '--json']);
			expect(JSON.parse(list.stdout).tasks.find((task: {id: string}) => task.id === 'button')).toMatchObject({state: 'waiting'});
			const status = await spool(home, ['status']);
			expect(status.stdout).toMatch(/^WORKER\s+LOOPS\s+PENDING\s+RUNNING\s+WAITING\s/m);
			expect(JSON.parse((await spool(home, ['status', '--json'])).stdout).workers[0]).toMatchObject({worker: 'coder', waiting: 1});
			expect(status.stdout).toMatch(/^coder\/button\s+\S+\s+Which colour should the button be\?$/m);
			const show = await spool(home, ['show', 'button']);
			expect(show.stdout).toContain('coder/button: waiting');
			expect(show.stdout).toContain('  asks: Which colour should the button be?');
			expect(show.stdout).toContain('question         results/coder/button.question.md');

			const started = Date.now();
			const answered = await spool(home, ['answer', 'button', 'blue, like the logo']);
			expect(answered.exitCode, answered.stderr).toBe(0);
			expect(answered.stdout).toContain('coder/button: answered');
			const result = await waitFor(() => resultOf(home, 'coder', 'button'), 30_000, 'the resumed result');
			const roundTripMs = Date.now() - started;
			expect(result).toMatchObject({status: 'succeeded', attempts: 1, sessionId: waiting.ask.sessionId});
			expect(result.result).toBe('told: The person answered:\n\nblue, like the logo');
			expect(result.questions).toHaveLength(1);
			expect(result.questions[0]).toMatchObject({question: 'Which colour should the button be?', answer: 'blue, like the logo', answeredBy: 'command', sessionId: waiting.ask.sessionId});
			// Each run counted once: the resumed session's result line also counted the run that asked.
			expect(result.costUsd).toBeCloseTo(waiting.ask.costUsd, 6);
			const ledger = (await fs.readFile(path.join(home, 'ledger', (await fs.readdir(path.join(home, 'ledger'))).find(name => name.endsWith('.jsonl'))!), 'utf8')).trim().split('\n').map(line => JSON.parse(line));
			const lines = ledger.filter(line => line.task === 'button');
			expect(lines.map(line => line.outcome)).toEqual(['waiting', 'succeeded']);
			expect(lines[0].sessionId).toBe(lines[1].sessionId);
			expect(lines[1].costUsd).toBeCloseTo(lines[0].costUsd, 6);
			// The question's files moved to the history; the waiting file is gone.
			await expect(fs.stat(waitingFile(home, 'button'))).rejects.toThrow();
			await expect(fs.stat(path.join(home, 'results', 'coder', 'button.question.md'))).rejects.toThrow();
			expect((await fs.readdir(path.join(home, 'results', 'coder', '.history'))).some(name => name.endsWith('.question.md'))).toBe(true);
			console.log(`round trip from spool answer to the resumed result: ${roundTripMs} ms`);
			// A second answer is refused: the task no longer waits.
			const again = await spool(home, ['answer', 'coder/button', 'red']);
			expect(again.exitCode).toBe(1);
			expect(again.stderr).toContain('is succeeded, not waiting');
		} finally {
			await stop(home, worker);
		}
	}, 90_000);

	test('an answer written to results/W/ID.answer.md resumes the task; a task may ask twice', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 1}}});
		const worker = await startWorker(home);
		try {
			await dropTask(home, 'coder', 'twice', {prompt: 'ASK TWICE please'});
			await waitFor(() => readJson(waitingFile(home, 'twice')), 30_000, 'the first question');
			await fs.writeFile(path.join(home, 'results', 'coder', 'twice.answer.md'), 'first answer\n');
			const second = await waitFor(async () => {
				const task = await readJson(waitingFile(home, 'twice'));
				return task?.ask?.question === 'Second question?' ? task : undefined;
			}, 30_000, 'the second question');
			expect(second.questions).toMatchObject([{question: 'First question?', answer: 'first answer', answeredBy: 'file'}]);
			expect(second.ask.context).toBe('after: The person answered:\n\nfirst answer');
			// The first answer file went to the history: it does not answer the second question.
			await expect(fs.stat(path.join(home, 'results', 'coder', 'twice.answer.md'))).rejects.toThrow();
			await fs.writeFile(path.join(home, 'results', 'coder', 'twice.answer.md'), 'second answer');
			const result = await waitFor(() => resultOf(home, 'coder', 'twice'), 30_000, 'the result');
			expect(result).toMatchObject({status: 'succeeded', attempts: 1, result: 'both answered, last: The person answered:\n\nsecond answer'});
			expect(result.questions.map((asked: {answer: string}) => asked.answer)).toEqual(['first answer', 'second answer']);
			expect(new Set(result.questions.map((asked: {sessionId: string}) => asked.sessionId)).size).toBe(1);
			expect(result.sessionId).toBe(result.questions[0].sessionId);
		} finally {
			await stop(home, worker);
		}
	}, 90_000);

	test('a question unanswered within ask.timeout fails the task, or with onTimeout: continue resumes it without an answer', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 2}}, extra: {ask: {timeout: '2s'}}});
		const worker = await startWorker(home);
		try {
			await dropTask(home, 'coder', 'nobody', {prompt: 'ASK and nobody answers'});
			const failed = await waitFor(() => resultOf(home, 'coder', 'nobody'), 30_000, 'the unanswered result');
			expect(failed).toMatchObject({status: 'failed', error: {code: 'question_unanswered'}});
			expect(failed.questions).toMatchObject([{question: 'Which colour should the button be?'}]);
			expect(failed.costUsd + failed.questions[0].costUsd).toBeGreaterThan(0);
			await expect(fs.stat(waitingFile(home, 'nobody'))).rejects.toThrow();

			const config = await fs.readFile(path.join(home, 'spool.yaml'), 'utf8');
			await fs.writeFile(path.join(home, 'spool.yaml'), config.replace(/ask:\n\s+timeout: 2s/, 'ask:\n  timeout: 2s\n  onTimeout: continue'));
			await new Promise(resolve => setTimeout(resolve, 1500)); // The loops read spool.yaml again within a second.
			await dropTask(home, 'coder', 'assume', {prompt: 'ASK and assume'});
			const resumed = await waitFor(() => resultOf(home, 'coder', 'assume'), 30_000, 'the resumed result');
			expect(resumed).toMatchObject({status: 'succeeded', result: 'told: The person answered:\n\nNo answer came; use your best judgement and say what you assumed.'});
			expect(resumed.questions).toMatchObject([{answeredBy: 'timeout'}]);
		} finally {
			await stop(home, worker);
		}
	}, 90_000);

	test('a workflow task that waits for an answer is neither lost nor finished: its dependents run once it is answered; spool cancel ends a waiting task', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 1}}});
		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			await writeWorkflow(home, 'pick.yaml', 'tasks:\n  - {id: choose, worker: coder, prompt: "ASK which colour"}\n  - {id: paint, worker: coder, prompt: "OTHER: paint it {{tasks.choose.result}}", dependsOn: [choose]}\n');
			await waitFor(() => readJson(waitingFile(home, 'pick--choose')), 30_000, 'the workflow task to wait');
			// Past the orchestrator's 10 s after which a task found nowhere counts as lost.
			await new Promise(resolve => setTimeout(resolve, 11_000));
			const state = await readJson(path.join(home, 'results', 'workflows', 'pick.state.json'));
			expect(state?.tasks.find((task: {id: string}) => task.id === 'choose')).toMatchObject({status: 'queued'});
			await fs.writeFile(path.join(home, 'results', 'coder', 'pick--choose.answer.md'), 'green');
			const result = await workflowResult(home, 'pick');
			expect(result).toMatchObject({status: 'succeeded'});
			expect((await resultOf(home, 'coder', 'pick--paint'))?.result).toBe('done: OTHER: paint it told: The person answered:\n\ngreen');

			await dropTask(home, 'coder', 'dropped', {prompt: 'ASK and then be canceled'});
			await waitFor(() => readJson(waitingFile(home, 'dropped')), 30_000, 'the task to wait');
			const canceled = await spool(home, ['cancel', 'coder/dropped']);
			expect(canceled.exitCode, canceled.stderr).toBe(0);
			expect(canceled.stdout).toContain('canceled while it waited for an answer');
			const ended = await resultOf(home, 'coder', 'dropped');
			expect(ended).toMatchObject({status: 'canceled', questions: [{question: 'Which colour should the button be?'}]});
			await expect(fs.stat(waitingFile(home, 'dropped'))).rejects.toThrow();
			expect(ended!.task).toEqual({prompt: 'ASK and then be canceled'});
			// Retried, it starts over: a new session that asks again, not the old one resumed.
			expect((await spool(home, ['retry', 'coder/dropped'])).exitCode).toBe(0);
			const again = await waitFor(() => readJson(waitingFile(home, 'dropped')), 30_000, 'the retried task to ask again');
			expect(again.questions).toBeUndefined();
			expect(again.ask.sessionId).not.toBe(ended!.sessionId);
		} finally {
			up.kill('SIGTERM');
			await up;
			await killProcessesOfHome(home);
		}
	}, 120_000);

	test('a resumed run that fails after the answer reached it is retried with a prompt (no call is pending), and every run is counted once', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {retryBackoff: '500ms'}});
		const worker = await startWorker(home);
		try {
			await dropTask(home, 'coder', 'flaky', {prompt: 'ASK FLAKY'});
			await waitFor(() => readJson(waitingFile(home, 'flaky')), 30_000, 'the task to wait');
			expect((await spool(home, ['answer', 'flaky', 'go'])).exitCode).toBe(0);
			const result = await waitFor(() => resultOf(home, 'coder', 'flaky'), 40_000, 'the result');
			expect(result).toMatchObject({status: 'succeeded', attempts: 2, result: 'after the retry: had the answer'});
			expect(result.history).toMatchObject([{attempt: 1, error: {code: 'api_unavailable'}}]);
			const ledgerFile = path.join(home, 'ledger', (await fs.readdir(path.join(home, 'ledger'))).find(name => name.endsWith('.jsonl'))!);
			const lines = (await fs.readFile(ledgerFile, 'utf8')).trim().split('\n').map(line => JSON.parse(line)).filter(line => line.task === 'flaky');
			expect(lines.map(line => line.outcome)).toEqual(['waiting', 'retrying', 'succeeded']);
			const total = result.costUsd + result.history.reduce((sum: number, record: {costUsd?: number}) => sum + (record.costUsd ?? 0), 0) + result.questions[0].costUsd;
			expect(total).toBeCloseTo(lines.reduce((sum, line) => sum + line.costUsd, 0), 6);
			// The stand-in charges the same for each request: the last run made one, and is counted as one.
			expect(lines[2].costUsd).toBeCloseTo(lines[0].costUsd, 6);
		} finally {
			await stop(home, worker);
		}
	}, 90_000);
});
