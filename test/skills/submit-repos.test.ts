import fs from 'node:fs/promises';
import path from 'node:path';
import {parse} from 'yaml';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {workflowSchema} from '../../src/orchestrator/definition.ts';
import {buildRepoWorkflow, repoWorkflowId} from '../../src/skills/repo-workflow.ts';
import {apiEnv, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';
import {workflowResult, writeWorkflow} from '../helpers/workflows.ts';

async function skillHome(): Promise<string> {
	const repos = Object.fromEntries(['app', 'api', 'web'].map(name => [name, {path: name}]));
	const home = await makeHome({workers: {coder: {}, reviewer: {}}, extra: {skills: {dir: 'skills'}, repos}});
	for (const name of ['summarise', 'review']) {
		await fs.mkdir(path.join(home, 'skills', name), {recursive: true});
		await fs.writeFile(path.join(home, 'skills', name, 'SKILL.md'), `---\nname: ${name}\ndescription: ${name.toUpperCase()}-DESCRIPTION\n---\n\nBODY-OF-${name}\n`);
	}

	return home;
}

describe('buildRepoWorkflow', () => {
	test.each([
		{repos: ['app', 'api'], final: undefined, ids: ['app', 'api'], problem: undefined},
		{repos: ['app', 'api', 'web'], final: 'reviewer', ids: ['app', 'api', 'web', 'final'], problem: undefined},
		{repos: ['app', 'app'], final: undefined, ids: [], problem: '--repos names app twice'},
		{repos: ['final'], final: 'reviewer', ids: [], problem: 'a repository of that name cannot be in the same workflow'},
		{repos: ['a--b'], final: undefined, ids: [], problem: 'tasks.0.id'},
	])('repos $repos, final $final', ({repos, final, ids, problem}) => {
		const built = buildRepoWorkflow({worker: 'coder', skill: 'summarise', repos, ...(final ? {final} : {})});
		if (problem) {
			expect(built.ok).toBe(false);
			expect(built.ok ? '' : built.problems.join('; ')).toContain(problem);
			return;
		}

		expect(built.ok && (built.workflow.tasks as Array<{id: string}>).map(task => task.id)).toEqual(ids);
	});

	test('an id from the skill and the time is a workflow id', () => {
		expect(repoWorkflowId('my.skill', new Date('2026-12-01T17:57:00Z'), 'ab12')).toBe('my-skill-20261201-175700-ab12');
	});
});

describe('spool submit --skill --repos', () => {
	test('writes one workflow: a task per repository with repo and skill, and a final task that gets every result', async () => {
		const home = await skillHome();
		const submitted = await spool(home, ['submit', 'coder', '--skill', 'summarise', '--repos', 'app,api,web', '--final', 'reviewer', '--mode', 'simple', '--output', 'docs/summary.md', '--id', 'sum-all', 'Keep it short.']);
		expect(submitted.exitCode).toBe(0);
		expect(submitted.stdout).toBe('sum-all');
		expect(submitted.stderr).toContain('tasks app, api, web, final');
		const workflow = parse(await fs.readFile(path.join(home, 'workflows', 'sum-all.yaml'), 'utf8'));
		expect(workflowSchema.safeParse(workflow).success).toBe(true);
		expect(workflow.tasks).toEqual([
			...['app', 'api', 'web'].map(repo => ({id: repo, worker: 'coder', prompt: 'Use the skill summarise on this repository.\n\nKeep it short.', skill: 'summarise', repo, mode: 'simple', output: 'docs/summary.md'})),
			{id: 'final', worker: 'reviewer', dependsOn: ['app', 'api', 'web'], prompt: expect.stringContaining('The skill summarise was run on each of these repositories: app, api, web.')},
		]);
		const again = await spool(home, ['submit', 'coder', '--skill', 'summarise', '--repos', 'app', '--id', 'sum-all']);
		expect(again.exitCode).not.toBe(0);
		expect(again.stderr).toContain('exists already');
	}, 30_000);

	test('an unknown skill, worker or repository is refused before anything is written', async () => {
		const home = await skillHome();
		const skill = await spool(home, ['submit', 'coder', '--skill', 'sumarise', '--repos', 'app']);
		expect(skill.exitCode).not.toBe(0);
		expect(skill.stderr).toContain('the skills there: review, summarise');
		const final = await spool(home, ['submit', 'coder', '--skill', 'summarise', '--repos', 'app', '--final', 'nobody']);
		expect(final.stderr).toContain('no worker named "nobody"');
		const repo = await spool(home, ['submit', 'coder', '--skill', 'summarise', '--repos', 'app,ap,webb']);
		expect(repo.stderr).toContain('no repository "ap", "webb" in spool.yaml\'s repos; the repositories there: api, app, web');
		const lone = await spool(home, ['submit', 'coder', '--repos', 'app']);
		expect(lone.stderr).toContain('give both --skill and --repos');
		await expect(fs.readdir(path.join(home, 'workflows'))).rejects.toThrow();
		// One task with a skill is checked as it is queued too, not only when a loop claims it.
		const single = await spool(home, ['submit', 'coder', '--skill', 'sumarise', 'go']);
		expect(single.exitCode).toBe(1);
		expect(single.stderr).toContain('the skills there: review, summarise');
		expect(await fs.readdir(path.join(home, 'tasks', 'coder')).catch(() => [])).toEqual([]);
	}, 30_000);
});

describe('a workflow task with a skill and mode simple, with the real claude CLI', () => {
	let api: FakeApi;
	beforeAll(async () => {
		api = await startFakeApi(() => ({text: 'the answer'}));
	});
	afterAll(async () => {
		await api.close();
	});

	test('the orchestrator queues skill, mode and output as they are; the final task gets the result', async () => {
		const home = await skillHome();
		await fs.mkdir(path.join(home, 'repo'));
		await fs.writeFile(path.join(home, 'repo', 'README.md'), 'WF-README\n');
		await writeWorkflow(home, 'wf.yaml', {tasks: [
			{id: 'one', worker: 'coder', prompt: 'WF-ONE', skill: 'review', mode: 'simple', output: 'out.md', cwd: 'repo'},
			{id: 'final', worker: 'reviewer', prompt: 'WF-FINAL', dependsOn: ['one']},
		]});
		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			const summary = await workflowResult(home, 'wf');
			expect(summary).toMatchObject({status: 'succeeded'});
			const one = await waitFor(() => resultOf(home, 'coder', 'wf--one'), 10_000, 'result');
			expect(one).toMatchObject({skill: 'review', mode: 'simple', output: {path: path.join(home, 'repo', 'out.md')}});
			expect(await fs.readFile(path.join(home, 'repo', 'out.md'), 'utf8')).toBe('the answer\n');
			const finalRequest = api.requests.find(request => JSON.stringify(request.body).includes('WF-FINAL'));
			expect(JSON.stringify(finalRequest?.body)).toContain('the answer');
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 60_000);
});
