import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {startFakeApi, type ApiRequest, type FakeApi} from '../fixtures/fake-api.ts';
import {checkoutState, gitIn, makeRepo} from '../helpers/git-repo.ts';
import {apiEnv, makeHome, resultOf, spool} from '../helpers/home.ts';
import {workflowResult} from '../helpers/workflows.ts';

// spool submit coder --skill summarise --repos app,api --final reviewer, run by spool up with the real claude CLI.
let api: FakeApi;

const bodyOf = (request: ApiRequest) => JSON.stringify(request.body);

beforeAll(async () => {
	api = await startFakeApi(request => {
		if (request.prompt.includes('The skill summarise was run on each')) {
			return {text: 'FINAL-ANSWER'};
		}

		// A repository task answers with the name of the worktree it ran in, which the CLI tells the model.
		return {text: `SUMMARY-OF-${/workspaces\/coder\/sum--(\w+)/.exec(bodyOf(request) + request.system)?.[1]}`};
	});
});

afterAll(async () => {
	await api.close();
});

test('one skill over two repositories: a task per repo in its own worktree with the skill, the checkouts untouched, a final task with every result, shown as one workflow', async () => {
	const outside = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-repos-')));
	const repos = {app: await makeRepo(path.join(outside, 'app')), api: await makeRepo(path.join(outside, 'api'))};
	const home = await makeHome({
		workers: {coder: {}, reviewer: {}},
		extra: {skills: {dir: 'skills'}, repos: {app: {path: repos.app}, api: {path: repos.api, base: 'main'}}},
	});
	await fs.mkdir(path.join(home, 'skills', 'summarise'), {recursive: true});
	await fs.writeFile(path.join(home, 'skills', 'summarise', 'SKILL.md'), '---\nname: summarise\ndescription: SUMMARISE-DESCRIPTION writes a summary\n---\n\nBODY-OF-SUMMARISE\n');
	const before = {app: await checkoutState(repos.app), api: await checkoutState(repos.api)};

	const unknown = await spool(home, ['submit', 'coder', '--skill', 'summarise', '--repos', 'app,web', '--id', 'typo']);
	expect(unknown.exitCode).not.toBe(0);
	expect(unknown.stderr).toContain('no repository "web" in spool.yaml\'s repos; the repositories there: api, app');
	await expect(fs.readdir(path.join(home, 'workflows'))).rejects.toThrow();

	const submitted = await spool(home, ['submit', 'coder', '--skill', 'summarise', '--repos', 'app,api', '--final', 'reviewer', '--id', 'sum', 'EXTRA-NOTE']);
	expect(submitted.exitCode).toBe(0);
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	try {
		expect(await workflowResult(home, 'sum', 60_000)).toMatchObject({status: 'succeeded'});
	} finally {
		up.kill('SIGTERM');
		await up;
	}

	for (const repo of ['app', 'api'] as const) {
		const id = `sum--${repo}`;
		const worktree = path.join(home, 'workspaces', 'coder', id);
		expect(await resultOf(home, 'coder', id)).toMatchObject({
			status: 'succeeded', skill: 'summarise', cwd: worktree, result: `SUMMARY-OF-${repo}`,
			repo: {name: repo, path: repos[repo], worktree, branch: `spool/coder/${id}`, changedFiles: []},
		});
		// A worktree of that repository, on its own branch from main.
		expect((await gitIn(worktree, ['rev-parse', '--abbrev-ref', 'HEAD'])).trim()).toBe(`spool/coder/${id}`);
		expect((await gitIn(worktree, ['rev-parse', '--path-format=absolute', '--git-common-dir'])).trim()).toBe(path.join(repos[repo], '.git'));
		expect((await gitIn(worktree, ['rev-parse', 'HEAD'])).trim()).toBe((await gitIn(repos[repo], ['rev-parse', 'main'])).trim());
		expect(await gitIn(repos[repo], ['worktree', 'list', '--porcelain'])).toContain(`worktree ${worktree}\n`);
		// The run was offered the skill and started it with /summarise: its body is in the first call.
		const first = api.requests.find(request => (bodyOf(request) + request.system).includes(`workspaces/coder/${id}`));
		expect(bodyOf(first!)).toContain('- summarise: SUMMARISE-DESCRIPTION writes a summary');
		expect(bodyOf(first!)).toContain('<command-name>/summarise</command-name>');
		expect(bodyOf(first!)).toContain('BODY-OF-SUMMARISE');
		expect(bodyOf(first!)).toContain('Use the skill summarise on this repository.\\n\\nEXTRA-NOTE');
		expect(await checkoutState(repos[repo])).toEqual(before[repo]);
	}

	const final = await resultOf(home, 'reviewer', 'sum--final');
	expect(final).toMatchObject({status: 'succeeded', result: 'FINAL-ANSWER'});
	const finalRequest = api.requests.find(request => request.prompt.includes('The skill summarise was run on each of these repositories: app, api.'));
	expect(finalRequest?.prompt).toContain('SUMMARY-OF-app');
	expect(finalRequest?.prompt).toContain('SUMMARY-OF-api');

	// status, list and the report show the three tasks together as one workflow.
	const status = JSON.parse((await spool(home, ['status', '--json'])).stdout);
	expect(status.workflows).toEqual([expect.objectContaining({id: 'sum', status: 'succeeded', tasks: 3, succeeded: 3})]);
	expect((await spool(home, ['status'])).stdout).toMatch(/^sum\s+succeeded\s+3\s+3\s/m);
	const listed = JSON.parse((await spool(home, ['list', '--workflow', 'sum', '--json'])).stdout);
	expect(listed.tasks.map((task: {worker: string; id: string; workflow: string}) => `${task.worker}/${task.id} ${task.workflow}`).sort()).toEqual(['coder/sum--api sum', 'coder/sum--app sum', 'reviewer/sum--final sum']);
	const report = JSON.parse((await spool(home, ['report', '--json'])).stdout);
	expect(report.workflows).toEqual([expect.objectContaining({id: 'sum', status: 'succeeded', tasks: {total: 3, states: {succeeded: 3}}})]);
	await fs.rm(outside, {recursive: true, force: true});
}, 120_000);
