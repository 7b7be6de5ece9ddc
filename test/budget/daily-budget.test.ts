import fs from 'node:fs/promises';
import path from 'node:path';
import {stringify} from 'yaml';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiRequest, type ApiReply, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';

/**
 * The stand-in's prices, at claude-sonnet-4-5's list price ($3 per million input tokens, $15 per
 * million output): each turn costs $0.012, so a budget is spent in a few turns.
 */
const TURN_USAGE = {input_tokens: 3000, output_tokens: 200};
const TURN_USD = 0.012;
const MODEL = 'claude-sonnet-4-5';

/** "loop ...": a Bash call on every turn, forever (only a budget ends it); anything else: one turn of text. */
function reply(request: ApiRequest): ApiReply {
	if (request.prompt.startsWith('loop')) {
		return {tool: 'Bash', input: {command: 'true'}, usage: TURN_USAGE};
	}

	return {text: `done: ${request.prompt}`, usage: TURN_USAGE};
}

type LedgerLine = {worker: string; task: string; costUsd: number; outcome: string; usage: {input: number; output: number}};

async function readLedger(home: string): Promise<LedgerLine[]> {
	const dir = path.join(home, 'ledger');
	const files = (await fs.readdir(dir).catch(() => [])).filter(name => name.endsWith('.jsonl'));
	const text = (await Promise.all(files.map(async name => fs.readFile(path.join(dir, name), 'utf8')))).join('');
	return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as LedgerLine);
}

async function readEvents(home: string): Promise<Array<{type: string; scope: string}>> {
	const dir = path.join(home, 'events');
	const files = (await fs.readdir(dir).catch(() => [])).filter(name => name.endsWith('.jsonl'));
	const text = (await Promise.all(files.map(async name => fs.readFile(path.join(dir, name), 'utf8')))).join('');
	return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as {type: string; scope: string});
}

function spent(lines: LedgerLine[], worker?: string): number {
	return lines.filter(line => worker === undefined || line.worker === worker).reduce((sum, line) => sum + line.costUsd, 0);
}

async function setConfig(home: string, change: (config: Record<string, any>) => void): Promise<void> {
	const file = path.join(home, 'spool.yaml');
	const {parse} = await import('yaml');
	const config = parse(await fs.readFile(file, 'utf8')) as Record<string, any>;
	change(config);
	await fs.writeFile(file, stringify(config));
}

let api: FakeApi;
beforeAll(async () => {
	api = await startFakeApi(reply);
});
afterAll(async () => api.close());

const QUEUE = {lease: '3s', scanInterval: '200ms'};
const WORKER = {model: MODEL, allowedTools: ['Bash']};

describe('the daily budget', () => {
	test("a run gets --max-budget-usd of what is left and overshoots by less than one turn; cut by the day, it waits for the budget; raised, the budget lets the queue go on", async () => {
		const home = await makeHome({workers: {coder: WORKER}, queue: QUEUE, extra: {budget: {dailyUsd: 0.05}}});
		const loop = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			await dropTask(home, 'coder', 'first', {prompt: 'one turn'});
			await waitFor(() => resultOf(home, 'coder', 'first'), 30_000, 'first result');
			// Its own cap: stopped after the turn that reached $0.02, failed for good.
			await dropTask(home, 'coder', 'capped', {prompt: 'loop until your own cap stops you', maxCostUsd: 0.02});
			const capped = await waitFor(() => resultOf(home, 'coder', 'capped'), 60_000, 'capped result');
			expect(capped).toMatchObject({status: 'failed', attempts: 1, subtype: 'error_max_budget_usd', error: {code: 'error_max_budget_usd', message: "the run reached its cap of $0.02 (the task's maxCostUsd) and the CLI stopped it there"}});
			expect(capped.costUsd).toBeCloseTo(2 * TURN_USD, 6);

			// $0.05 - $0.036 = $0.014 left: the CLI stops after the turn that reaches it.
			await dropTask(home, 'coder', 'spender', {prompt: 'loop until the budget stops you'});
			const back = await waitFor(async () => {
				const task = await readJson(path.join(home, 'tasks', 'coder', 'spender.json'));
				return task?.history?.length === 1 && task;
			}, 60_000, 'the spender handed back');
			// Cut by the day, not by its own cap: it waits, its attempt not counted, the run's cost in its history.
			expect(back).not.toHaveProperty('attempts');
			expect(back.history[0]).toMatchObject({attempt: 1, error: {code: 'daily_budget_reached', message: expect.stringContaining("it was given what was left of the home's budget.dailyUsd ($0.014)")}, costUsd: 2 * TURN_USD});
			const lines = await readLedger(home);
			expect(lines.map(line => `${line.task} ${line.outcome}`)).toEqual(['first succeeded', 'capped failed', 'spender paused']);
			// Every turn's tokens, the one the cap stopped after included (the CLI's own usage leaves it out).
			expect(lines.map(line => line.usage.input)).toEqual([3000, 6000, 6000]);
			const overshoot = spent(lines) - 0.05;
			expect(overshoot).toBeGreaterThanOrEqual(0);
			expect(overshoot).toBeLessThan(TURN_USD);
			console.log(`overshoot past dailyUsd $0.05: $${overshoot.toFixed(4)} (one turn costs $${TURN_USD})`);

			// Spent: nothing starts, and status says halted, and since when.
			await dropTask(home, 'coder', 'later', {prompt: 'after the raise'});
			const halted = await waitFor(async () => {
				const status = JSON.parse((await spool(home, ['status', '--json'])).stdout) as {budget: {state: string; since: string | null}};
				return status.budget.state === 'halted' && status.budget.since !== null && status.budget;
			}, 10_000, 'halted status');
			expect(Date.parse(halted.since!)).toBeGreaterThan(0);
			await new Promise(resolve => setTimeout(resolve, 1500));
			expect(await resultOf(home, 'coder', 'later')).toBeUndefined();
			expect((await fs.readdir(path.join(home, 'tasks', 'coder'))).sort()).toEqual(['later.json', 'spender.json']);
			expect((await spool(home, ['status'])).stdout).toMatch(/budget: \$0\.0\d+ of \$0\.05 today \(1\d\d%\), HALTED since .*: no task starts until/);
			const submitted = await spool(home, ['submit', 'coder', '--id', 'noted', 'said to wait']);
			expect(submitted.exitCode).toBe(0);
			expect(submitted.stderr).toMatch(/^spool submit: the home's daily budget of \$0\.05 is spent \(\$0\.06\d* on .*\): the task waits until .* \(midnight in .*\) or until budget\.dailyUsd in spool\.yaml is raised$/m);
			expect((await spool(home, ['cancel', 'noted'])).exitCode).toBe(0);
			expect((await spool(home, ['cancel', 'spender'])).exitCode).toBe(0);

			// Raised in spool.yaml: claiming goes on within a few seconds, no restart.
			const raisedAt = Date.now();
			await setConfig(home, config => {
				config.budget.dailyUsd = 1;
			});
			const later = await waitFor(() => resultOf(home, 'coder', 'later'), 15_000, 'result after the raise');
			expect(later).toMatchObject({status: 'succeeded'});
			expect(Date.parse(later.startedAt) - raisedAt).toBeLessThan(3000);
			// The spender's run went from 72 % past 100 % at once: the halt is told, a warning would come after it.
			const events = await readEvents(home);
			expect(events.filter(event => event.type === 'budget_warning')).toHaveLength(0);
			expect(events.filter(event => event.type === 'budget_halted' && event.scope === 'home')).toHaveLength(1);
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 120_000);

	test('two loops in separate processes stop together, the warning and the halt are told once, and a worker budget stops only its worker', async () => {
		const home = await makeHome({
			workers: {coder: {...WORKER, dailyUsd: 0.03}, reviewer: WORKER},
			queue: QUEUE,
			extra: {budget: {dailyUsd: 0.1, warnAt: 0.5}},
		});
		const loops = [spool(home, ['worker', 'coder'], {env: apiEnv(api.url)}), spool(home, ['worker', 'reviewer'], {env: apiEnv(api.url)}), spool(home, ['worker', 'reviewer'], {env: apiEnv(api.url)})];
		try {
			for (let n = 0; n < 6; n++) {
				await dropTask(home, 'coder', `c${n}`, {prompt: `coder task ${n}`});
			}

			// The coder's own budget ($0.03): three one-turn runs reach it. The third, given the $0.006 left, is
			// stopped by the CLI at that cap right after its answer: the answer is kept, and the rest wait.
			await waitFor(async () => spent(await readLedger(home), 'coder') >= 0.03, 30_000, 'coder budget spent');
			await new Promise(resolve => setTimeout(resolve, 1500));
			const coderRuns = (await readLedger(home)).filter(line => line.worker === 'coder');
			expect(coderRuns.map(line => line.outcome)).toEqual(['succeeded', 'succeeded', 'succeeded']);
			expect((await fs.readdir(path.join(home, 'tasks', 'coder'))).length).toBe(3);
			const answered = await Promise.all(['c0', 'c1', 'c2'].map(async id => resultOf(home, 'coder', id)));
			const atCap = answered.find(result => result?.answeredAtCap);
			expect(atCap).toMatchObject({status: 'succeeded', subtype: 'error_max_budget_usd', result: expect.stringMatching(/^done: coder task \d$/)});

			// The reviewer goes on, in two loops, until the home's $0.10 is spent.
			for (let n = 0; n < 12; n++) {
				await dropTask(home, 'reviewer', `r${n}`, {prompt: `reviewer task ${n}`});
			}

			await waitFor(async () => spent(await readLedger(home)) >= 0.1, 60_000, 'home budget spent');
			await new Promise(resolve => setTimeout(resolve, 2000));
			const lines = await readLedger(home);
			// Each loop may have had one run under way when the budget was reached: one turn each, at most.
			expect(spent(lines)).toBeLessThan(0.1 + 2 * TURN_USD);
			const runs = lines.length;
			await new Promise(resolve => setTimeout(resolve, 1500));
			expect(await readLedger(home)).toHaveLength(runs);
			// A run the day's end cut short waits with the tasks that never ran.
			expect((await fs.readdir(path.join(home, 'tasks', 'reviewer'))).length).toBe(12 - lines.filter(line => line.worker === 'reviewer' && line.outcome === 'succeeded').length);

			const events = await readEvents(home);
			expect(events.filter(event => event.type === 'budget_warning' && event.scope === 'home')).toHaveLength(1);
			expect(events.filter(event => event.type === 'budget_halted' && event.scope === 'home')).toHaveLength(1);
			expect(events.filter(event => event.type === 'budget_halted' && event.scope === 'coder')).toHaveLength(1);
			const status = JSON.parse((await spool(home, ['status', '--json'])).stdout) as {budget: {state: string}; workers: Array<{worker: string; budget: {state: string; dailyUsd: number | null}}>};
			expect(status.budget.state).toBe('halted');
			expect(status.workers.find(worker => worker.worker === 'coder')!.budget).toMatchObject({state: 'halted', dailyUsd: 0.03});
			expect(status.workers.find(worker => worker.worker === 'reviewer')!.budget).toMatchObject({state: 'ok', dailyUsd: null});
		} finally {
			for (const loop of loops) {
				loop.kill('SIGTERM');
			}

			await Promise.all(loops);
		}

		const logs = (await Promise.all(['coder', 'reviewer'].map(async name => fs.readFile(path.join(home, 'logs', `${name}.log`), 'utf8').catch(() => '')))).join('');
		// Logged once, by the one loop of the three that saw it first.
		expect(logs.match(/"msg":"the home has spent \$[\d.]+ of its daily budget/g)).toHaveLength(1);
		expect(logs.match(/"msg":"the home has spent its daily budget/g)).toHaveLength(1);
	}, 180_000);
});
