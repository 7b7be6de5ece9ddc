import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {validateWorkflow} from '../../src/orchestrator/validate.ts';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {checkoutState, makeRepo} from '../helpers/git-repo.ts';
import {apiEnv, makeHome, readJson, resultOf, spool} from '../helpers/home.ts';
import {allText, workflowResult, writeWorkflow} from '../helpers/workflows.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(request => {
		if (request.prompt.startsWith('CODE') && request.toolResults === 0) {
			return {tool: 'Write', input: {file_path: 'feature.md', content: 'written by the coder\n'}};
		}

		if (request.prompt.startsWith('REVIEW') && request.toolResults === 0) {
			return {tool: 'Bash', input: {command: 'cat feature.md; git status --porcelain', description: 'read the change'}};
		}

		// The reviewer says what its tool call read: the coder's file, in the coder's worktree.
		return {text: allText(request).includes('written by the coder') ? 'REVIEW-SAW-THE-CHANGE' : 'nothing to see'};
	});
});

afterAll(async () => {
	await api.close();
});

test('a workflow review task with worktreeOf runs in the coding task\'s worktree and reads exactly what it wrote', async () => {
	const home = await makeHome({workers: {coder: {}, reviewer: {permissionMode: 'bypassPermissions'}}, extra: {repos: {app: {path: 'app'}}}});
	const repo = await makeRepo(path.join(home, 'app'));
	const before = await checkoutState(repo);
	await writeWorkflow(home, 'feature.yaml', `
tasks:
  - {id: code, worker: coder, prompt: "CODE the feature", repo: app}
  - {id: review, worker: reviewer, prompt: "REVIEW the change", dependsOn: [code], worktreeOf: code, deliverables: [feature.md]}
`);
	const up = spool(home, ['up'], {env: {...apiEnv(api.url), IS_SANDBOX: '1'}});
	try {
		const summary = await workflowResult(home, 'feature');
		expect(summary).toMatchObject({status: 'succeeded'});
	} finally {
		up.kill('SIGTERM');
		await up;
	}

	const code = await resultOf(home, 'coder', 'feature--code');
	const review = await resultOf(home, 'reviewer', 'feature--review');
	const worktree = path.join(home, 'workspaces', 'coder', 'feature--code');
	expect(code!.repo).toMatchObject({name: 'app', worktree, branch: 'spool/coder/feature--code', changedFiles: ['feature.md']});
	expect(review).toMatchObject({status: 'succeeded', cwd: worktree, result: 'REVIEW-SAW-THE-CHANGE', repo: {worktree, branch: 'spool/coder/feature--code', changedFiles: ['feature.md'], patch: 'results/reviewer/feature--review.patch'}});
	expect((await readJson(path.join(home, 'results', 'workflows', 'feature.json')))?.status).toBe('succeeded');
	expect(review!.task).toMatchObject({worktreeOf: 'coder/feature--code'});
	await expect(fs.stat(path.join(home, 'workspaces', 'reviewer', 'feature--review'))).rejects.toThrow();
	expect(await checkoutState(repo)).toEqual(before);
}, 90_000);

test('worktreeOf must name a task it depends on that has a worktree, and excludes cwd', () => {
	const context = {id: 'w', workers: ['coder', 'reviewer'], checkId: false};
	const check = (tasks: unknown[]) => {
		const checked = validateWorkflow({tasks}, context);
		return checked.ok ? [] : checked.problems;
	};

	expect(check([{id: 'a', worker: 'coder', prompt: 'x', repo: 'app'}, {id: 'b', worker: 'reviewer', prompt: 'y', worktreeOf: 'a'}])).toEqual([
		'tasks.1.worktreeOf: task "b" continues in the worktree of "a", which it does not depend on, so that worktree would not be finished yet; add it to dependsOn',
	]);
	expect(check([{id: 'a', worker: 'coder', prompt: 'x'}, {id: 'b', worker: 'reviewer', prompt: 'y', dependsOn: ['a'], worktreeOf: 'a'}])).toEqual(['tasks.1.worktreeOf: task "a" names no repo, so it has no worktree to continue in']);
	expect(check([{id: 'a', worker: 'coder', prompt: 'x', repo: 'app', cwd: 'src'}])).toEqual(['tasks.0.cwd: task "a" runs in its worktree (repo); leave cwd out']);
	expect(check([{id: 'a', worker: 'coder', prompt: 'x', repo: 'app'}, {id: 'b', worker: 'reviewer', prompt: 'y', dependsOn: ['a'], worktreeOf: 'a'}, {id: 'c', worker: 'coder', prompt: 'z', dependsOn: ['b'], worktreeOf: 'b'}])).toEqual([]);
});
