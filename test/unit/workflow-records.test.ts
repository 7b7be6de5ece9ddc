import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execaSync} from 'execa';
import {afterAll, describe, expect, test} from 'vitest';
import {parseState, readState, STATE_VERSION, createState, writeState} from '../../src/orchestrator/state.ts';
import {createWorkflowLayout} from '../../src/orchestrator/store.ts';
import {readWorkflowResult, WORKFLOW_RESULT_VERSION, workflowResultSchema} from '../../src/orchestrator/summary.ts';
import {ROOT} from '../helpers/home.ts';

const fixture = (name: string) => fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'workflows', name), 'utf8');

const homes: string[] = [];

afterAll(() => {
	for (const home of homes) {
		fs.rmSync(home, {recursive: true, force: true});
	}
});

function tempLayout() {
	const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-records-'));
	homes.push(home);
	const layout = createWorkflowLayout(home);
	fs.mkdirSync(layout.results, {recursive: true});
	return layout;
}

describe('the workflow state and result are versioned records, parsed on read', () => {
	test('state files written before the version field (spool 0.1) still read, as version 1', () => {
		const mixed = parseState(fixture('v0-mixed.state.json'), 'mixed.state.json');
		expect(mixed).toMatchObject({version: 1, id: 'mixed', status: 'failed', workflow: {id: 'mixed', max_cost_usd: 5}});
		expect(mixed.tasks.map(task => task.status)).toEqual(['failed', 'skipped', 'succeeded', 'succeeded']);
		expect(mixed.tasks[0]).toMatchObject({queuedAt: expect.any(String), error: {code: 'api_error'}});
		expect(mixed.tasks[1]).toMatchObject({queuedAt: null, error: {code: 'dependency_failed'}});
		const held = parseState(fixture('v0-held.state.json'), 'held.state.json');
		expect(held).toMatchObject({version: 1, status: 'running', finishedAt: null});
		expect(held.tasks.map(task => [task.status, task.queuedAt === null])).toEqual([['queued', false], ['waiting', true]]);
	});

	test('workflow results written before the version field still read, as version 1', () => {
		for (const name of ['v0-mixed.json', 'v0-held.json', 'v0-broken.json']) {
			expect(workflowResultSchema.safeParse(JSON.parse(fixture(name))).success).toBe(true);
		}

		const layout = tempLayout();
		fs.writeFileSync(layout.resultFile('mixed'), fixture('v0-mixed.json'));
		fs.writeFileSync(layout.resultFile('broken'), fixture('v0-broken.json'));
		expect(readWorkflowResult(layout, 'mixed')).toMatchObject({version: 1, status: 'failed', counts: {succeeded: 2, failed: 1, skipped: 1}, error: {code: 'tasks_failed'}});
		expect(readWorkflowResult(layout, 'broken')).toMatchObject({version: 1, status: 'rejected', sourceHash: expect.any(String), problems: [expect.stringContaining('designer')]});
	});

	test('a state written now carries the current version and reads back the same', async () => {
		const layout = tempLayout();
		const workflow = {id: 'w', tasks: [{id: 'a', worker: 'coder', prompt: 'do a'}]};
		const state = createState(workflow, ['workflows/w.json']);
		await writeState(layout, state);
		expect(JSON.parse(fs.readFileSync(layout.stateFile('w'), 'utf8'))).toMatchObject({version: STATE_VERSION});
		expect(readState(layout, 'w')).toEqual(state);
		expect(WORKFLOW_RESULT_VERSION).toBe(1);
	});

	const held = () => JSON.parse(fixture('v0-held.state.json')) as Record<string, any>;
	const impossible: Array<[string, (state: Record<string, any>) => void, RegExp]> = [
		['a version from a newer spool', state => (state.version = STATE_VERSION + 1), /was written by a newer spool/],
		['a queued task without queuedAt', state => (state.tasks[0].queuedAt = null), /tasks\.0\.queuedAt/],
		['a waiting task with an error', state => (state.tasks[1].error = {code: 'api_error', message: 'x'}), /tasks\.1\.error/],
		['a succeeded task with an error', state => Object.assign(state.tasks[0], {status: 'succeeded', finishedAt: 'now', costUsd: 0, durationMs: 1, attempts: 1, error: {code: 'api_error', message: 'x'}}), /tasks\.0\.error/],
		['a skipped task without an error', state => Object.assign(state.tasks[1], {status: 'skipped', finishedAt: 'now'}), /tasks\.1\.error/],
		['an unknown task status', state => (state.tasks[1].status = 'paused'), /tasks\.1\.status/],
		['a running workflow with finishedAt', state => (state.finishedAt = 'now'), /finishedAt/],
	];
	test.each(impossible)('an impossible state is refused, naming the field: %s', (_, change, problem) => {
		const state = held();
		change(state);
		expect(() => parseState(JSON.stringify(state), 'held.state.json')).toThrow(problem);
		expect(() => parseState(JSON.stringify(state), 'held.state.json')).toThrow(/^held\.state\.json: not a workflow state/);
	});

	test('a state file that is a symlink or a FIFO is refused without being opened; a missing one is "not started"', () => {
		const layout = tempLayout();
		const target = path.join(layout.home, 'elsewhere.json');
		fs.writeFileSync(target, fixture('v0-held.state.json'));
		fs.symlinkSync(target, layout.stateFile('linked'));
		execaSync('mkfifo', [layout.stateFile('piped')]);
		expect(() => readState(layout, 'linked')).toThrow('results/workflows/linked.state.json is a symbolic link, not a regular file; spool never follows one');
		expect(() => readState(layout, 'piped')).toThrow('results/workflows/piped.state.json is a FIFO, not a regular file; spool never opens it');
		expect(readState(layout, 'absent')).toBeUndefined();
		expect(readWorkflowResult(layout, 'linked')).toBeUndefined();
	});
});
