import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type ApiRequest, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, listDir, makeHome, readJson, resultOf, ROOT, spool, waitFor} from './helpers/home.ts';
import {allText, isPlannerRequest, lastUserText, workflowResult, type Plan} from './helpers/workflows.ts';

let api: FakeApi;
let refusingApi: FakeApi;
/** What the planner answers, per home: the first plan, and the one after feedback. */
const plans = new Map<string, {first: unknown; corrected?: unknown}>();

function answer(request: ApiRequest): ApiReply {
	if (isPlannerRequest(request)) {
		const plan = plans.get(/HOME-(\w+)/.exec(lastUserText(request) + allText(request))?.[1] ?? '');
		const text = lastUserText(request);
		if (!plan || text === '') {
			return {text: 'done'};
		}

		return {tool: 'StructuredOutput', input: (text.includes('Your plan was not accepted') ? plan.corrected : plan.first) as Record<string, unknown>};
	}

	if (request.prompt.startsWith('RESEARCH-A')) {
		return {text: 'alpha-findings'};
	}

	if (request.prompt.startsWith('RESEARCH-B')) {
		return {text: 'beta-findings'};
	}

	return {text: `wrote: ${request.prompt.replaceAll('\n', ' ')}`};
}

beforeAll(async () => {
	api = await startFakeApi(answer);
	refusingApi = await startFakeApi(() => ({status: 401, type: 'authentication_error', message: 'invalid x-api-key'}));
});

afterAll(async () => {
	await Promise.all([api.close(), refusingApi.close()]);
});

const WORKERS = {
	researcher: {description: 'Finds facts and reports them.', concurrency: 2},
	writer: {description: 'Writes the text.'},
};

const THREE_TASKS: Plan = {
	name: 'alpha and beta',
	tasks: [
		{id: 'research-a', worker: 'researcher', prompt: 'RESEARCH-A: find facts about alpha'},
		{id: 'research-b', worker: 'researcher', prompt: 'RESEARCH-B: find facts about beta'},
		{id: 'write', worker: 'writer', prompt: 'WRITE using {{tasks.research-a.result}} first.', dependsOn: ['research-a', 'research-b']},
	],
};

async function planHome(key: string, first: unknown, corrected?: unknown): Promise<string> {
	plans.set(key, {first, corrected});
	const home = await makeHome({workers: WORKERS});
	await fs.copyFile(path.join(ROOT, 'prompts', 'orchestrator.md'), path.join(home, 'prompts', 'orchestrator.md'));
	return home;
}

describe('spool plan with the real claude CLI', () => {
	test('a planned three-task graph runs in dependency order and its last task sees both results', async () => {
		const home = await planHome('three', THREE_TASKS);
		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			const planned = await spool(home, ['plan', 'HOME-three: write about alpha and beta', '--id', 'ab'], {env: apiEnv(api.url)});
			expect(planned.stderr).toBe('');
			expect(planned.exitCode).toBe(0);
			expect(planned.stdout).toContain('workflows/ab.plan.json: 3 tasks');
			const saved = await readJson(path.join(home, 'workflows', 'ab.plan.json'));
			expect(saved).toMatchObject({id: 'ab', goal: 'HOME-three: write about alpha and beta', tasks: THREE_TASKS.tasks});

			const planner = api.requests.find(request => isPlannerRequest(request) && request.prompt.includes('HOME-three'))!;
			expect(planner.system).toContain('You are the planner of spool');
			expect(planner.prompt).toContain('- researcher: Finds facts and reports them.\n- writer: Writes the text.');

			const result = await workflowResult(home, 'ab');
			expect(result).toMatchObject({id: 'ab', status: 'succeeded', error: null, counts: {succeeded: 3, failed: 0, skipped: 0}});
			const a = await resultOf(home, 'researcher', 'ab--research-a');
			const b = await resultOf(home, 'researcher', 'ab--research-b');
			const write = await resultOf(home, 'writer', 'ab--write');
			expect([a?.status, b?.status, write?.status]).toEqual(['succeeded', 'succeeded', 'succeeded']);
			// The two research tasks overlapped; the writer started after both had finished.
			expect(a!.startedAt < b!.finishedAt && b!.startedAt < a!.finishedAt).toBe(true);
			expect(write!.startedAt >= a!.finishedAt && write!.startedAt >= b!.finishedAt).toBe(true);
			expect(write!.result).toContain('WRITE using alpha-findings first.');
			expect(write!.result).toMatch(/## Results of the tasks this task depends on +### research-b \(researcher\) +beta-findings/);
			expect(write!.result).not.toContain('### research-a');
			expect(write!.metadata).toMatchObject({workflow: 'ab', workflowTask: 'write'});
			expect(result.costUsd).toBeCloseTo(a!.costUsd + b!.costUsd + write!.costUsd + saved!.plan_cost_usd, 6);
			const summary = await fs.readFile(path.join(home, 'results', 'workflows', 'ab.md'), 'utf8');
			expect(summary).toContain('# Workflow ab: succeeded');
			expect(summary).toContain('| write | writer | succeeded |');
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 90_000);

	test('an invalid plan goes back once with the exact problems; --dry-run prints the corrected plan and saves nothing', async () => {
		const invalid: Plan = {
			tasks: [
				{id: 'a', worker: 'researcher', prompt: 'RESEARCH-A', dependsOn: ['c']},
				{id: 'b', worker: 'designer', prompt: '   ', dependsOn: ['a']},
				{id: 'c', worker: 'writer', prompt: 'WRITE', dependsOn: ['b']},
			],
		};
		const home = await planHome('fixed', invalid, THREE_TASKS);
		const run = await spool(home, ['plan', '--dry-run', 'HOME-fixed: plan it'], {env: apiEnv(api.url)});
		expect(run.stderr).toBe('');
		expect(run.exitCode).toBe(0);
		expect(JSON.parse(String(run.stdout))).toMatchObject({id: 'home-fixed-plan-it', goal: 'HOME-fixed: plan it', tasks: THREE_TASKS.tasks});
		const feedback = api.requests.filter(request => isPlannerRequest(request) && lastUserText(request).includes('Your plan was not accepted') && allText(request).includes('HOME-fixed'));
		expect(feedback).toHaveLength(1);
		const sent = lastUserText(feedback[0]!);
		expect(sent).toContain('- tasks.1.worker: task "b" names the worker "designer", which spool.yaml does not define (workers: researcher, writer)');
		expect(sent).toContain('- tasks.1.prompt: task "b" has an empty prompt');
		expect(sent).toContain('- tasks: dependsOn forms a cycle, so none of these tasks could ever start: "a" depends on "c", "c" depends on "b", "b" depends on "a"');
		expect(await listDir(path.join(home, 'workflows'))).toEqual([]);
		expect(await listDir(path.join(home, 'tasks'))).toEqual([]);
	}, 60_000);

	test('a plan still invalid after the feedback is rejected with its problems, and nothing is saved', async () => {
		const invalid: Plan = {tasks: [{id: 'a', worker: 'researcher', prompt: 'RESEARCH-A', dependsOn: ['a', 'ghost']}]};
		const home = await planHome('twice', invalid, invalid);
		const run = await spool(home, ['plan', 'HOME-twice: plan it', '--id', 'twice'], {env: apiEnv(api.url)});
		expect(run.exitCode).toBe(1);
		expect(run.stderr).toContain('spool plan: the plan was rejected after one correction (invalid_plan):');
		expect(run.stderr).toContain('  - tasks.0.dependsOn: task "a" depends on itself');
		expect(run.stderr).toContain('  - tasks.0.dependsOn: task "a" depends on "ghost", which is not a task of this workflow (tasks: a)');
		const planner = api.requests.filter(request => isPlannerRequest(request) && allText(request).includes('HOME-twice') && lastUserText(request) !== '');
		expect(planner).toHaveLength(2);
		expect(await listDir(path.join(home, 'workflows'))).toEqual([]);
	}, 60_000);

	test('a planner without credentials is named as such, with its auth home and the fix: no plan was rejected', async () => {
		const home = await planHome('nokey', THREE_TASKS);
		const noKey = {...apiEnv(api.url), ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_OAUTH_TOKEN: ''};
		const run = await spool(home, ['plan', 'HOME-nokey: plan it'], {env: noKey});
		expect(run.exitCode).toBe(1);
		expect(run.stderr).toBe(
			'spool plan: planning failed (auth_failed): Not logged in: the planner has no credentials; run "spool login orchestrator", or put {"env":{"ANTHROPIC_API_KEY":"sk-ant-..."}} in auth-homes/orchestrator/settings.json',
		);
		// A key the API refuses is named as refused, with where it came from.
		await fs.writeFile(path.join(home, 'auth-homes', 'orchestrator', 'settings.json'), '{"env":{"ANTHROPIC_API_KEY":"sk-refused"}}');
		const refused = await spool(home, ['plan', 'HOME-nokey: plan it'], {env: {...noKey, ANTHROPIC_BASE_URL: refusingApi.url}});
		expect(refused.stderr).toMatch(/^spool plan: planning failed \(auth_failed\): API error 401: .*: the credentials of the planner \(ANTHROPIC_API_KEY in auth-homes\/orchestrator\/settings\.json\) were refused; run "spool login orchestrator"/);
	}, 60_000);

	test('a goal dropped into goals/ is planned and run; a goal whose plan is rejected gets a result saying why', async () => {
		const home = await planHome('goal', {tasks: [{id: 'only', worker: 'writer', prompt: 'WRITE one thing'}]});
		plans.set('badgoal', {first: {tasks: [{id: 'x', worker: 'nobody', prompt: 'p'}]}, corrected: {tasks: [{id: 'x', worker: 'nobody', prompt: 'p'}]}});
		await fs.mkdir(path.join(home, 'goals'));
		await fs.writeFile(path.join(home, 'goals', 'Daily Note.md'), 'HOME-goal: write the daily note');
		await fs.writeFile(path.join(home, 'goals', 'bad.txt'), 'HOME-badgoal: this cannot be planned');
		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			const result = await workflowResult(home, 'daily-note');
			expect(result).toMatchObject({status: 'succeeded', goal: 'HOME-goal: write the daily note', source: ['workflows/daily-note.plan.json']});
			expect((await resultOf(home, 'writer', 'daily-note--only'))?.result).toBe('wrote: WRITE one thing');
			const rejected = await workflowResult(home, 'bad');
			expect(rejected).toMatchObject({status: 'rejected', source: ['goals/bad.txt'], error: {code: 'invalid_plan'}});
			expect(rejected.problems).toEqual(['tasks.0.worker: task "x" names the worker "nobody", which spool.yaml does not define (workers: researcher, writer)']);
			expect(await fs.readFile(path.join(home, 'results', 'workflows', 'bad.md'), 'utf8')).toContain('names the worker "nobody"');
			// Goal files are never moved or deleted.
			expect(await listDir(path.join(home, 'goals'))).toEqual(['Daily Note.md', 'bad.txt']);

			// A rejected goal is planned again once its file changes; the rejection moves to .history/.
			plans.set('better', {first: {tasks: [{id: 'only', worker: 'writer', prompt: 'WRITE better'}]}});
			await fs.writeFile(path.join(home, 'goals', 'bad.txt'), 'HOME-better: this one can');
			await waitFor(async () => (await readJson(path.join(home, 'results', 'workflows', 'bad.json')))?.status === 'succeeded', 30_000, 'the fixed goal to run');
			expect((await resultOf(home, 'writer', 'bad--only'))?.result).toBe('wrote: WRITE better');
			expect((await listDir(path.join(home, 'results', 'workflows', '.history'))).filter(name => name.endsWith('.json'))).toHaveLength(1);
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 60_000);
	test("planning is paid from the day's budget: its runs go into the ledger as the orchestrator's, and a spent budget refuses to plan", async () => {
		const home = await planHome('ledger', THREE_TASKS);
		const planned = await spool(home, ['plan', 'HOME-ledger: write about alpha and beta', '--id', 'paid'], {env: apiEnv(api.url)});
		expect(planned.exitCode).toBe(0);
		const ledger = path.join(home, 'ledger');
		const [file] = await fs.readdir(ledger);
		const lines = (await fs.readFile(path.join(ledger, file!), 'utf8')).trim().split('\n').map(line => JSON.parse(line) as Record<string, unknown>);
		expect(lines).toEqual([expect.objectContaining({worker: 'orchestrator', task: 'paid', workflow: 'paid', outcome: 'succeeded', auth: 'api-key'})]);
		expect(lines[0]!.costUsd).toBeGreaterThan(0);

		await fs.appendFile(path.join(home, 'spool.yaml'), `budget:\n  dailyUsd: ${(lines[0]!.costUsd as number) / 2}\n`);
		const before = api.requests.length;
		const refused = await spool(home, ['plan', 'HOME-ledger: again', '--id', 'refused'], {env: apiEnv(api.url)});
		expect(refused.exitCode).not.toBe(0);
		expect(refused.stderr).toMatch(/the home's daily budget of \$[\d.e-]+ is spent .*; planning waits until/);
		expect(api.requests.length).toBe(before);
	}, 60_000);
});
