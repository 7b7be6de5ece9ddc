import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type ApiRequest, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, listDir, makeHome, resultOf, spool} from './helpers/home.ts';
import {workflowResult, writeWorkflow} from './helpers/workflows.ts';

let api: FakeApi;

/** Hand-written workflows need no planner: each task's prompt says what the stand-in answers. */
function answer(request: ApiRequest): ApiReply {
	if (request.prompt.startsWith('FAIL')) {
		return {status: 400, type: 'invalid_request_error', message: 'this task is meant to fail'};
	}

	if (request.prompt.startsWith('WRITE-FILE') && request.toolResults === 0) {
		return {tool: 'Write', input: {file_path: 'report.md', content: 'the report\n'}};
	}

	return {text: `done: ${request.prompt.replaceAll('\n', ' ')}`};
}

beforeAll(async () => {
	api = await startFakeApi(answer);
});

afterAll(async () => {
	await api.close();
});

async function runHome(setup: (home: string) => Promise<void>, check: (home: string) => Promise<void>): Promise<void> {
	const home = await makeHome({workers: {coder: {concurrency: 2}, reviewer: {}}});
	await setup(home);
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	try {
		await check(home);
	} finally {
		up.kill('SIGTERM');
		await up;
	}
}

describe('hand-written workflows with the real claude CLI', () => {
	test('a failed task skips its dependents with the reason; an independent branch keeps running', async () => {
		const yaml = `
name: branches
description: one branch fails, the other does not
tasks:
  - {id: build, worker: coder, prompt: "FAIL to build"}
  - {id: review, worker: reviewer, prompt: "review {{tasks.build.cwd}}", dependsOn: [build]}
  - {id: ship, worker: coder, prompt: "ship it", dependsOn: [review]}
  - {id: docs, worker: coder, prompt: "write the docs"}
`;
		await runHome(
			async home => writeWorkflow(home, 'branches.yaml', yaml),
			async home => {
				const result = await workflowResult(home, 'branches');
				expect(result).toMatchObject({status: 'failed', counts: {succeeded: 1, failed: 1, skipped: 2}, error: {code: 'tasks_failed'}});
				const byId = Object.fromEntries(result.tasks.map((task: any) => [task.id, task]));
				expect(byId.build).toMatchObject({status: 'failed', error: {code: 'api_error'}});
				expect(byId.docs).toMatchObject({status: 'succeeded', error: null});
				expect(byId.review.status).toBe('skipped');
				expect(byId.review.error.message).toMatch(/^not run: "build" failed \(api_error: API error 400/);
				expect(byId.ship.error.message).toMatch(/^not run: "review" was skipped, because "build" failed \(api_error/);
				expect(result.error.message).toContain('"build" failed (api_error)');
				expect(result.error.message).toContain('skipped: "review", "ship"');
				// The skipped tasks were never queued.
				expect(await resultOf(home, 'reviewer', 'branches--review')).toBeUndefined();
				expect(await listDir(path.join(home, 'tasks', 'reviewer'))).toEqual([]);
				const summary = await fs.readFile(path.join(home, 'results', 'workflows', 'branches.md'), 'utf8');
				expect(summary).toContain('# Workflow branches: failed');
				expect(summary).toContain('| review | reviewer | skipped |  | $0.0000 | dependency_failed: not run: "build" failed');
			},
		);
	}, 60_000);

	test('a missing deliverable fails its task (or its workflow); context_files are given to the task', async () => {
		const workflow = {
			context_files: ['notes/brief.md'],
			tasks: [
				{id: 'writes', worker: 'coder', prompt: 'WRITE-FILE report.md', deliverables: ['report.md']},
				{id: 'forgets', worker: 'coder', prompt: 'just talk', deliverables: ['report.md', 'out/data.csv'], context_files: ['notes/extra.txt']},
			],
		};
		await runHome(
			async home => {
				await fs.mkdir(path.join(home, 'notes'));
				await fs.writeFile(path.join(home, 'notes', 'brief.md'), 'BRIEF: keep it short');
				await fs.writeFile(path.join(home, 'notes', 'extra.txt'), 'EXTRA: mind the edge cases');
				await writeWorkflow(home, 'deliver.json', workflow);
				await writeWorkflow(home, 'promise.yaml', 'deliverables: [notes/brief.md, reports/weekly.md]\ntasks:\n  - {id: talk, worker: reviewer, prompt: "just talk"}\n');
			},
			async home => {
				const result = await workflowResult(home, 'deliver');
				expect(result.status).toBe('failed');
				const writes = await resultOf(home, 'coder', 'deliver--writes');
				expect(writes).toMatchObject({status: 'succeeded', error: null});
				expect(await fs.readFile(path.join(writes!.cwd, 'report.md'), 'utf8')).toBe('the report\n');
				const forgets = await resultOf(home, 'coder', 'deliver--forgets');
				expect(forgets).toMatchObject({status: 'failed', error: {code: 'missing_deliverable'}});
				expect(forgets!.error.message).toBe(`claude finished, but the deliverables "report.md", "out/data.csv" do not exist in ${forgets!.cwd}`);
				const promise = await workflowResult(home, 'promise');
				expect(promise).toMatchObject({status: 'failed', counts: {succeeded: 1, failed: 0, skipped: 0}, error: {code: 'missing_deliverable'}});
				expect(promise.error.message).toBe(`every task succeeded, but the deliverable "reports/weekly.md" does not exist in ${home}`);
				expect(forgets!.result).toContain('## Context files  ### notes/brief.md  BRIEF: keep it short  ### notes/extra.txt  EXTRA: mind the edge cases');
			},
		);
	}, 60_000);

	test('max_cost_usd stops a workflow: no task is queued once the finished ones cost that much', async () => {
		const workflow = {
			max_cost_usd: 0.0001,
			tasks: [
				{id: 'first', worker: 'coder', prompt: 'first step'},
				{id: 'second', worker: 'coder', prompt: 'second step', dependsOn: ['first']},
				{id: 'third', worker: 'reviewer', prompt: 'third step', dependsOn: ['second']},
			],
		};
		await runHome(
			async home => writeWorkflow(home, 'budget.json', workflow),
			async home => {
				const result = await workflowResult(home, 'budget');
				expect(result).toMatchObject({status: 'failed', maxCostUsd: 0.0001, counts: {succeeded: 1, failed: 0, skipped: 2}, error: {code: 'max_cost_reached'}});
				expect(result.error.message).toMatch(/^the workflow's finished tasks cost \$0\.0008, which reached its max_cost_usd of \$0\.0001$/);
				expect(result.tasks[1]).toMatchObject({id: 'second', status: 'skipped', error: {code: 'max_cost_reached'}});
				expect(result.tasks[2].error.message).toMatch(/^not run: "second" was skipped, because the workflow's finished tasks cost/);
				expect(await resultOf(home, 'coder', 'budget--second')).toBeUndefined();
			},
		);
	}, 60_000);

	test('an invalid workflow file is rejected with every problem; once fixed, it runs', async () => {
		const broken = `
tasks:
  - {id: a, worker: coder, prompt: "step a", dependsOn: [c]}
  - {id: b, worker: designer, prompt: "", dependsOn: [a]}
  - {id: c, worker: coder, prompt: "step c", dependsOn: [b]}
  - {id: d, worker: coder, prompt: "use {{tasks.c.result}}"}
`;
		await runHome(
			async home => writeWorkflow(home, 'broken.yaml', broken),
			async home => {
				const rejected = await workflowResult(home, 'broken');
				expect(rejected).toMatchObject({status: 'rejected', error: {code: 'invalid_workflow'}, source: ['workflows/broken.yaml']});
				expect(rejected.problems).toEqual([
					'workflows/broken.yaml: tasks.1.worker: task "b" names the worker "designer", which spool.yaml does not define (workers: coder, reviewer)',
					'workflows/broken.yaml: tasks.1.prompt: task "b" has an empty prompt; say what the worker should do',
					'workflows/broken.yaml: tasks: dependsOn forms a cycle, so none of these tasks could ever start: "a" depends on "c", "c" depends on "b", "b" depends on "a"',
				]);
				expect(await fs.readFile(path.join(home, 'results', 'workflows', 'broken.md'), 'utf8')).toContain('The workflow was rejected (invalid_workflow); nothing was queued.');
				expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);

				await writeWorkflow(home, 'broken.yaml', 'tasks:\n  - {id: c, worker: coder, prompt: "step c"}\n  - {id: d, worker: coder, prompt: "use {{tasks.c.result}}", dependsOn: [c]}\n');
				const fixed = await workflowResult(home, 'broken', 30_000).then(async () => waitForStatus(home, 'broken', 'succeeded'));
				expect(fixed.counts).toEqual({succeeded: 2, failed: 0, skipped: 0});
				expect((await resultOf(home, 'coder', 'broken--d'))?.result).toBe('done: use done: step c');
				expect((await listDir(path.join(home, 'results', 'workflows', '.history'))).filter(name => name.endsWith('.json'))).toHaveLength(1);
			},
		);
	}, 60_000);
});

async function waitForStatus(home: string, id: string, status: string) {
	const deadline = Date.now() + 30_000;
	for (;;) {
		const result = await workflowResult(home, id);
		if (result.status === status || Date.now() > deadline) {
			return result;
		}

		await new Promise(resolve => setTimeout(resolve, 100));
	}
}
