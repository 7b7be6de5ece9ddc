import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, listDir, makeHome, spool} from './helpers/home.ts';
import {stopWithin, workflowResult, writeWorkflow} from './helpers/workflows.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(request => ({text: `done: ${request.prompt}`}));
});

afterAll(async () => {
	await api.close();
});

/** A running workflow's state with one waiting task: an orchestrator that read it would queue tasks/coder/evil--t.json. */
function runningState(id: string) {
	const task = {id: 't', worker: 'coder', taskId: `${id}--t`, dependsOn: [], status: 'waiting', queuedAt: null, finishedAt: null, costUsd: 0, durationMs: null, attempts: null, error: null};
	return {id, runId: 'run-1', status: 'running', source: [`workflows/${id}.json`], startedAt: new Date().toISOString(), finishedAt: null, error: null, workflow: {id, tasks: [{id: 't', worker: 'coder', prompt: 'EVIL task'}]}, tasks: [task]};
}

/** True when some process holds the FIFO open for reading: a non-blocking open for writing then succeeds instead of failing with ENXIO. */
function hasReader(fifo: string): boolean {
	try {
		fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
		return true;
	} catch (error) {
		expect((error as NodeJS.ErrnoException).code).toBe('ENXIO');
		return false;
	}
}

test('a FIFO or a symlink in workflows/, goals/ or results/workflows/ is rejected without being opened; the orchestrator keeps serving and stops on SIGTERM', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-outside-'));
	fs.writeFileSync(path.join(outside, 'flow.json'), JSON.stringify({tasks: [{id: 't', worker: 'coder', prompt: 'LINKED workflow'}]}));
	fs.writeFileSync(path.join(outside, 'goal.md'), 'LINKED goal');
	const evil = JSON.stringify(runningState('evil'));
	fs.writeFileSync(path.join(outside, 'state.json'), evil);
	const at = (...parts: string[]) => path.join(home, ...parts);
	for (const dir of ['workflows', 'goals', 'results/workflows']) {
		fs.mkdirSync(at(dir), {recursive: true});
	}

	const fifos = [path.join(outside, 'pipe'), at('workflows', 'pipe.json'), at('goals', 'goal-pipe.md'), at('results', 'workflows', 'stuck.state.json')];
	await execa('mkfifo', fifos);
	fs.symlinkSync(path.join(outside, 'flow.json'), at('workflows', 'link.json'));
	fs.symlinkSync(path.join(outside, 'pipe'), at('workflows', 'pipe-link.yaml'));
	fs.symlinkSync(path.join(outside, 'goal.md'), at('goals', 'goal-link.md'));
	fs.symlinkSync(path.join(outside, 'state.json'), at('results', 'workflows', 'evil.state.json'));
	const env = apiEnv(api.url);
	const orchestrator = spool(home, ['orchestrator'], {env});
	const worker = spool(home, ['worker', 'coder'], {env});
	try {
		const expectations = [
			['pipe', 'invalid_workflow', 'workflows/pipe.json is a FIFO, not a regular file; spool never opens it'],
			['link', 'invalid_workflow', 'workflows/link.json is a symbolic link, not a regular file; spool never follows one'],
			['pipe-link', 'invalid_workflow', 'workflows/pipe-link.yaml is a symbolic link, not a regular file; spool never follows one'],
			['goal-pipe', 'invalid_goal', 'goals/goal-pipe.md is a FIFO, not a regular file; spool never opens it'],
			['goal-link', 'invalid_goal', 'goals/goal-link.md is a symbolic link, not a regular file; spool never follows one'],
		] as const;
		for (const [id, code, problem] of expectations) {
			const rejected = await workflowResult(home, id, 20_000);
			expect(rejected).toMatchObject({status: 'rejected', error: {code}, problems: [problem]});
		}

		// The good workflow dropped afterwards runs; the FIFOs are removed, the symlinks stay where the user put them.
		fs.rmSync(at('workflows', 'pipe.json'));
		fs.rmSync(at('goals', 'goal-pipe.md'));
		await writeWorkflow(home, 'good.json', {tasks: [{id: 't', worker: 'coder', prompt: 'GOOD work'}]});
		expect(await workflowResult(home, 'good', 30_000)).toMatchObject({status: 'succeeded'});

		// Nothing was read through a link or from a FIFO: no planner run, no task of the linked workflow or state.
		expect(api.requests.filter(request => JSON.stringify(request.body).includes('LINKED') || request.prompt.includes('EVIL'))).toEqual([]);
		expect(await listDir(at('tasks', 'coder'))).toEqual([]);
		expect((await listDir(at('results', 'coder'))).filter(name => name.endsWith('.json'))).toEqual(['good--t.json']);
		expect(fs.lstatSync(at('results', 'workflows', 'evil.state.json')).isSymbolicLink()).toBe(true);
		expect(fs.readFileSync(path.join(outside, 'state.json'), 'utf8')).toBe(evil);
		for (const fifo of [fifos[0]!, fifos[3]!]) {
			expect(hasReader(fifo)).toBe(false);
		}

		// Each rejection was written once, not once per scan.
		expect(await listDir(at('results', 'workflows', '.history'))).toEqual([]);
		expect(await stopWithin(orchestrator, 3000)).toMatchObject({stopped: true});
	} finally {
		await stopWithin(orchestrator, 3000);
		await stopWithin(worker, 10_000);
		fs.rmSync(outside, {recursive: true, force: true});
	}
}, 90_000);
