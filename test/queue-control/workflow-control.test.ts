import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type ApiRequest, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, listDir, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {processesUnder} from '../helpers/processes.ts';
import {workflowResult, writeWorkflow} from '../helpers/workflows.ts';

let api: FakeApi;
/** Prompts that fail until the test lets them pass. */
const failing = new Set<string>(['FAIL-UNTIL-FIXED build']);

function answer(request: ApiRequest): ApiReply {
	if (failing.has(request.prompt)) {
		return {status: 400, type: 'invalid_request_error', message: 'this task is meant to fail for now'};
	}

	if (request.prompt.startsWith('SLOW') && request.toolResults === 0) {
		return {tool: 'Bash', input: {command: 'for i in $(seq 60); do sleep 1; done'}};
	}

	return {text: `done: ${request.prompt}`};
}

beforeAll(async () => {
	api = await startFakeApi(answer);
});

afterAll(async () => {
	await api.close();
});

const runs = (prompt: string) => api.requests.filter(request => request.prompt.startsWith(prompt) && request.toolResults === 0).length;

describe('workflows: retry and cancel through the orchestrator', () => {
	test('retry --workflow runs the failed and skipped tasks again and keeps the succeeded ones (nobody pays twice)', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 2}}});
		await writeWorkflow(home, 'again.yaml', `
tasks:
  - {id: build, worker: coder, prompt: "FAIL-UNTIL-FIXED build"}
  - {id: ship, worker: coder, prompt: "ship after build", dependsOn: [build]}
  - {id: docs, worker: coder, prompt: "docs on their own"}
`);
		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			const first = await workflowResult(home, 'again');
			expect(first).toMatchObject({status: 'failed', counts: {succeeded: 1, failed: 1, skipped: 1}});
			const failedRuns = runs('FAIL-UNTIL-FIXED build');
			failing.clear();
			const retry = await spool(home, ['retry', '--workflow', 'again']);
			expect(retry.exitCode, retry.stderr).toBe(0);
			const second = await waitFor(async () => {
				const result = await readJson(path.join(home, 'results', 'workflows', 'again.json'));
				return result?.status === 'succeeded' ? result : undefined;
			}, 45_000, 'the retried workflow succeeded');
			expect(second.counts).toMatchObject({succeeded: 3, failed: 0, skipped: 0});
			expect(runs('docs on their own')).toBe(1);
			expect(runs('FAIL-UNTIL-FIXED build')).toBe(failedRuns + 1);
			expect(runs('ship after build')).toBe(1);
			// A single task of a workflow is retried through its workflow, which keeps the state right.
			const single = await spool(home, ['retry', 'coder/again--build']);
			expect(single.exitCode).toBe(1);
			expect(single.stdout + single.stderr).toMatch(/is succeeded|retry --workflow again/);
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 120_000);

	test('a canceled workflow task skips its dependents with that reason; cancel --workflow stops a whole workflow', async () => {
		const home = await makeHome({workers: {coder: {concurrency: 2, allowedTools: ['Bash']}}});
		await writeWorkflow(home, 'stopme.yaml', `
tasks:
  - {id: long, worker: coder, prompt: "SLOW for a minute"}
  - {id: after, worker: coder, prompt: "after the long one", dependsOn: [long]}
`);
		await writeWorkflow(home, 'stopall.yaml', `
tasks:
  - {id: first, worker: coder, prompt: "SLOW first of stopall"}
  - {id: then, worker: coder, prompt: "then of stopall", dependsOn: [first]}
`);
		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			// Its Bash loop running: claude has started and been paid, so the cancel lands during the run.
			await waitFor(async () => (await processesUnder(path.join(home, 'workspaces', 'coder', 'stopme--long'))).length > 1, 30_000, 'the long task running its tool');
			const cancel = await spool(home, ['cancel', 'stopme--long']);
			expect(cancel.exitCode, cancel.stderr).toBe(0);
			expect(cancel.stdout).toContain('coder/stopme--long canceled during its run');
			const result = await workflowResult(home, 'stopme');
			expect(result.status).toBe('failed');
			const byId = Object.fromEntries(result.tasks.map((task: any) => [task.id, task]));
			expect(byId.long).toMatchObject({status: 'failed', error: {code: 'canceled'}});
			expect(byId.after.status).toBe('skipped');
			expect(byId.after.error.message).toMatch(/^not run: "long" failed \(canceled: canceled by spool cancel/);
			expect(await resultOf(home, 'coder', 'stopme--after')).toBeUndefined();

			// Named like one of its tasks by hand, but not the workflow's: left alone.
			await dropTask(home, 'coder', 'stopall--byhand', {prompt: 'mine', notBefore: new Date(Date.now() + 3_600_000).toISOString()});
			const all = await spool(home, ['cancel', '--workflow', 'stopall']);
			expect(all.exitCode, all.stderr).toBe(0);
			expect(all.stdout).toMatch(/coder\/stopall--first canceled (before|during) its run/);
			const stopped = await workflowResult(home, 'stopall');
			const tasks = Object.fromEntries(stopped.tasks.map((task: any) => [task.id, task]));
			expect(stopped.status).toBe('failed');
			expect(tasks.first.error.code).toBe('canceled');
			expect(tasks.then).toMatchObject({status: 'skipped', error: {code: 'canceled', message: 'not run: the workflow was canceled by spool cancel'}});
			expect(all.stdout).not.toContain('byhand');
			expect(JSON.parse((await spool(home, ['list', '--json', '--workflow', 'stopall'])).stdout).tasks.map((task: any) => task.id)).not.toContain('stopall--byhand');
			expect((await listDir(path.join(home, 'tasks', 'coder')))).toEqual(['stopall--byhand.json']);
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 90_000);
});
