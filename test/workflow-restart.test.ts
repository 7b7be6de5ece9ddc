import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type ApiRequest, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, listDir, makeHome, readJson, resultOf, spool, waitFor} from './helpers/home.ts';
import {readState, workflowResult, writeWorkflow} from './helpers/workflows.ts';

let api: FakeApi;
/** Requests whose prompt starts with a held word wait here until the test releases them. */
const held = new Map<string, {promise: Promise<void>; release: () => void}>();

function hold(word: string): () => void {
	let release = () => {};
	const promise = new Promise<void>(resolve => {
		release = resolve;
	});
	held.set(word, {promise, release});
	return release;
}

async function answer(request: ApiRequest): Promise<ApiReply> {
	const word = request.prompt.split(/\W/)[0]!;
	await held.get(word)?.promise;
	return {text: `${word}-result`};
}

/** Claude runs of a task: first requests whose prompt starts with `word`. */
function runsOf(word: string): number {
	return api.requests.filter(request => request.prompt.startsWith(word) && request.toolResults === 0).length;
}

beforeAll(async () => {
	api = await startFakeApi(answer);
});

afterAll(async () => {
	await api.close();
});

describe('a restarted orchestrator goes on where it stopped', () => {
	test('killed mid-workflow (SIGKILL) and restarted: no task queued twice, none forgotten', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const env = apiEnv(api.url);
		const releaseMiddle = hold('MIDDLE');
		await writeWorkflow(home, 'chain.json', {
			tasks: [
				{id: 'start', worker: 'coder', prompt: 'START the chain'},
				{id: 'middle', worker: 'coder', prompt: 'MIDDLE after {{tasks.start.result}}', dependsOn: ['start']},
				{id: 'end', worker: 'coder', prompt: 'END after {{tasks.middle.result}}', dependsOn: ['middle']},
			],
		});
		const worker = spool(home, ['worker', 'coder'], {env});
		let orchestrator = spool(home, ['orchestrator'], {env});
		try {
			await waitFor(() => runsOf('MIDDLE') === 1, 30_000, 'the middle task to run');
			orchestrator.kill('SIGKILL');
			await orchestrator;
			releaseMiddle();
			await waitFor(() => resultOf(home, 'coder', 'chain--middle'), 30_000, 'the middle result');
			expect((await readState(home, 'chain'))?.tasks.map((task: any) => task.status)).toEqual(['succeeded', 'queued', 'waiting']);
			expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);

			orchestrator = spool(home, ['orchestrator'], {env});
			const result = await workflowResult(home, 'chain');
			expect(result).toMatchObject({status: 'succeeded', counts: {succeeded: 3, failed: 0, skipped: 0}});
			expect([runsOf('START'), runsOf('MIDDLE'), runsOf('END')]).toEqual([1, 1, 1]);
			expect(result.tasks.map((task: any) => task.attempts)).toEqual([1, 1, 1]);
			expect((await resultOf(home, 'coder', 'chain--end'))?.result).toBe('END-result');
			expect(api.requests.find(request => request.prompt.startsWith('END'))?.prompt).toBe('END after MIDDLE-result');
			expect(await listDir(path.join(home, 'results', 'coder'))).not.toContain('.history');
		} finally {
			orchestrator.kill('SIGTERM');
			worker.kill('SIGTERM');
			await Promise.all([orchestrator, worker]);
		}
	}, 90_000);

	test('a task written just before a crash, with the state not yet saved, is found in the queue and not written again', async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}}});
		const env = apiEnv(api.url);
		await writeWorkflow(home, 'flow.json', {
			tasks: [
				{id: 'draft', worker: 'coder', prompt: 'DRAFT it'},
				{id: 'check', worker: 'reviewer', prompt: 'CHECK it', dependsOn: ['draft']},
			],
		});
		const coder = spool(home, ['worker', 'coder'], {env});
		let orchestrator = spool(home, ['orchestrator'], {env});
		let reviewer: ReturnType<typeof spool> | undefined;
		const queued = path.join(home, 'tasks', 'reviewer', 'flow--check.json');
		try {
			// No reviewer runs yet, so the second task stays pending in tasks/reviewer/.
			await waitFor(async () => (await readState(home, 'flow'))?.tasks[1].status === 'queued', 30_000, 'the check task queued');
			orchestrator.kill('SIGKILL');
			await orchestrator;
			const before = await fs.stat(queued);
			// The crash window: the task file is written, the state still says "waiting".
			const state = (await readState(home, 'flow'))!;
			Object.assign(state.tasks[1], {status: 'waiting', queuedAt: null});
			await fs.writeFile(path.join(home, 'results', 'workflows', 'flow.state.json'), JSON.stringify(state));

			orchestrator = spool(home, ['orchestrator'], {env});
			await waitFor(async () => (await readState(home, 'flow'))?.tasks[1].status === 'queued', 30_000, 'the check task found');
			const after = await fs.stat(queued);
			expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
			expect((await readJson(queued))?.metadata).toMatchObject({workflow: 'flow', workflowTask: 'check', workflowRun: state.runId});

			reviewer = spool(home, ['worker', 'reviewer'], {env});
			const result = await workflowResult(home, 'flow');
			expect(result.status).toBe('succeeded');
			expect([runsOf('DRAFT'), runsOf('CHECK')]).toEqual([1, 1]);
			expect((await resultOf(home, 'reviewer', 'flow--check'))?.result).toBe('CHECK-result');
		} finally {
			for (const child of [orchestrator, coder, reviewer]) {
				child?.kill('SIGTERM');
			}

			await Promise.all([orchestrator, coder, reviewer]);
		}
	}, 90_000);

	test('a second orchestrator in the same home refuses to run while the first one holds the lock', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const first = spool(home, ['orchestrator']);
		try {
			await waitFor(() => fs.stat(path.join(home, 'results', 'workflows', '.orchestrator.lock')).then(() => true, () => false), 20_000, 'the lock');
			const second = await spool(home, ['orchestrator']);
			expect(second.exitCode).toBe(1);
			expect(second.stderr).toContain('spool orchestrator: another orchestrator is running in this spool home: it holds');
		} finally {
			first.kill('SIGTERM');
			await first;
		}
	}, 60_000);
});
