import fs from 'node:fs/promises';
import path from 'node:path';
import {stringify} from 'yaml';
import {beforeAll, describe, expect, test} from 'vitest';
import {appendJsonLine} from '../src/queue/append-line.ts';
import {dayOf, lastDays} from '../src/ledger/day.ts';
import type {LedgerEntryInput} from '../src/ledger/entry.ts';
import {ledgerEntry} from './helpers/ledger.ts';
import {makeHome, spool} from './helpers/home.ts';

/** One run as the worker appends it: a succeeded run of coder on an API key unless `fields` says otherwise. */
function appendRun(home: string, date: string, fields: Partial<LedgerEntryInput>): void {
	appendJsonLine(
		path.join(home, 'ledger', `${date}.jsonl`),
		ledgerEntry({
			task: 't1',
			runId: 'r1',
			costUsd: 0.5,
			usage: {input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 5000, cache_creation_input_tokens: 300},
			model: 'claude-sonnet-4-5',
			durationMs: 4000,
			sessionId: 'session-1',
			...fields,
		}),
	);
}

/** The cells of the table row whose first cell is `key`. */
function rowOf(stdout: string, key: string): string[] | undefined {
	return stdout.split('\n').map(line => line.split(/\s{2,}/)).find(cells => cells[0] === key);
}

async function costJson(home: string, args: string[]) {
	const run = await spool(home, ['cost', ...args, '--json']);
	expect(run.stderr).toBe('');
	expect(run.exitCode).toBe(0);
	return JSON.parse(run.stdout);
}

describe('spool cost', () => {
	let home: string;
	let yesterday: string;
	let today: string;

	beforeAll(async () => {
		home = await makeHome({workers: {coder: {}, reviewer: {}}, extra: {budget: {timezone: 'UTC'}}});
		[yesterday, today] = lastDays(Date.now(), 'UTC', 2) as [string, string];
		appendRun(home, yesterday, {task: 't0', outcome: 'failed', error: 'api_error', costUsd: 1});
		appendRun(home, yesterday, {worker: 'reviewer', task: 't9', outcome: 'canceled', costUsd: 0.3, auth: 'subscription'});
		appendRun(home, today, {workflow: 'notes'});
		appendRun(home, today, {task: 't2', outcome: 'retrying', error: 'api_unavailable', costUsd: 0.1, auth: 'subscription'});
		appendRun(home, today, {task: 't2', attempt: 2, outcome: 'succeeded', costUsd: 0.2, auth: 'subscription', usage: {input_tokens: 50}});
		appendRun(home, today, {worker: 'reviewer', task: 't3', outcome: 'dead', error: 'timeout', costUsd: 0.05, model: null, usage: null});
		// What is not a run: not JSON, and JSON of another shape. Both are skipped and counted.
		await fs.appendFile(path.join(home, 'ledger', `${today}.jsonl`), 'not json\n{"version":1,"worker":"coder"}\n');
	});

	test('today by worker: runs, outcomes, dollars and tokens, dearest first, a total, the estimate marked', async () => {
		const run = await spool(home, ['cost']);
		expect(run.exitCode).toBe(0);
		const lines = run.stdout.split('\n');
		expect(lines[0]).toBe(`${today} (UTC)`);
		expect(lines[1]).toMatch(/^WORKER\s+RUNS\s+SUCCEEDED\s+FAILED\s+COST\s+INPUT\s+OUTPUT\s+CACHE READ\s+CACHE WRITE$/);
		expect(lines.slice(2, 5).map(line => line.split(/\s{2,}/)[0])).toEqual(['coder', 'reviewer', 'TOTAL']);
		expect(rowOf(run.stdout, 'coder')).toEqual(['coder', '3', '2', '1', '$0.8000*', '2,050', '400', '10,000', '600']);
		expect(rowOf(run.stdout, 'reviewer')).toEqual(['reviewer', '1', '0', '1', '$0.0500', '0', '0', '0', '0']);
		expect(rowOf(run.stdout, 'TOTAL')).toEqual(['TOTAL', '4', '2', '2', '$0.8500*', '2,050', '400', '10,000', '600']);
		expect(run.stdout).toContain('* $0.3000 of this is a list-price estimate from subscription runs, not a bill');
		expect(run.stderr).toBe(`spool cost: 2 unreadable lines of ledger/${today}.jsonl skipped`);
	});

	test('--json: the same figures, every outcome, and the lines skipped', async () => {
		const report = await costJson(home, []);
		expect(report).toMatchObject({from: today, to: today, timezone: 'UTC', by: 'worker', badLines: 2});
		expect(report.groups.map((group: {key: string}) => group.key)).toEqual(['coder', 'reviewer']);
		const [coder, reviewer] = report.groups;
		expect(coder).toMatchObject({key: 'coder', runs: 3, outcomes: {succeeded: 2, retrying: 1, failed: 0, dead: 0}, usage: {input: 2050, output: 400, cacheRead: 10_000, cacheWrite: 600}});
		expect(coder.costUsd).toBeCloseTo(0.8);
		expect(coder.estimatedUsd).toBeCloseTo(0.3);
		expect(reviewer).toMatchObject({runs: 1, outcomes: {dead: 1}, estimatedUsd: 0, usage: {input: 0, output: 0, cacheRead: 0, cacheWrite: 0}});
		expect(report.total).toMatchObject({runs: 4, outcomes: {succeeded: 2, retrying: 1, dead: 1, canceled: 0}});
		expect(report.total.costUsd).toBeCloseTo(0.85);
		expect(Object.keys(report).sort()).toEqual(['badLines', 'by', 'from', 'groups', 'timezone', 'to', 'total']);
	});

	test('--date reads that day alone; --days N the last N days, today included', async () => {
		const day = await spool(home, ['cost', '--date', yesterday]);
		expect(day.stdout.split('\n')[0]).toBe(`${yesterday} (UTC)`);
		expect(rowOf(day.stdout, 'coder')).toEqual(['coder', '1', '0', '1', '$1.0000', '1,000', '200', '5,000', '300']);
		expect(rowOf(day.stdout, 'reviewer')?.slice(0, 5)).toEqual(['reviewer', '1', '0', '0', '$0.3000*']);
		expect(day.stderr).toBe('');

		const both = await costJson(home, ['--days', '2']);
		expect(both).toMatchObject({from: yesterday, to: today, total: {runs: 6, outcomes: {failed: 1, canceled: 1}}, badLines: 2});
		expect(both.total.costUsd).toBeCloseTo(2.15);
		expect(both.total.estimatedUsd).toBeCloseTo(0.6);
		expect((await spool(home, ['cost', '--days', '2'])).stdout.split('\n')[0]).toBe(`${yesterday} to ${today} (UTC)`);
		expect((await costJson(home, ['--days', '30'])).total.runs).toBe(6);
	});

	test('--by task (WORKER/ID: the attempts of a task together), workflow and model (- where none)', async () => {
		const tasks = await spool(home, ['cost', '--by', 'task']);
		expect(tasks.stdout.split('\n')[1]).toMatch(/^TASK\s+RUNS/);
		expect(rowOf(tasks.stdout, 'coder/t1')?.slice(0, 5)).toEqual(['coder/t1', '1', '1', '0', '$0.5000']);
		expect(rowOf(tasks.stdout, 'coder/t2')?.slice(0, 5)).toEqual(['coder/t2', '2', '1', '1', '$0.3000*']);
		expect(rowOf(tasks.stdout, 'reviewer/t3')?.slice(0, 5)).toEqual(['reviewer/t3', '1', '0', '1', '$0.0500']);

		const workflows = await costJson(home, ['--by', 'workflow']);
		expect(workflows.groups.map((group: {key: string; runs: number}) => [group.key, group.runs])).toEqual([['notes', 1], ['-', 3]]);
		const models = await costJson(home, ['--by', 'model', '--days', '2']);
		expect(models.groups.map((group: {key: string; runs: number}) => [group.key, group.runs])).toEqual([['claude-sonnet-4-5', 5], ['-', 1]]);
	});

	test('a day without a ledger file is a day without runs', async () => {
		const run = await spool(home, ['cost', '--date', '2020-02-29']);
		expect(run.exitCode).toBe(0);
		expect(run.stdout).toBe('2020-02-29 (UTC)\nno runs in the ledger');
		const report = await costJson(home, ['--date', '2020-02-29']);
		expect(report).toMatchObject({from: '2020-02-29', to: '2020-02-29', groups: [], total: {runs: 0, costUsd: 0, estimatedUsd: 0}, badLines: 0});
	});

	test.each<[string[], string]>([
		[['--date', '2026-03-01', '--days', '2'], '--date and --days exclude each other'],
		[['--date', '2026-02-30'], '--date "2026-02-30" is no day of the calendar'],
		[['--date', '2026-13-01'], '--date "2026-13-01" is no day of the calendar'],
		[['--date', 'yesterday'], '--date must be a date such as 2026-03-31 (YYYY-MM-DD); got "yesterday"'],
		[['--date', '2026-3-1'], 'got "2026-3-1"'],
		[['--days', '0'], '--days must be a whole number from 1 to 3660; got "0"'],
		[['--days', '1.5'], 'got "1.5"'],
		[['--days', 'week'], 'got "week"'],
		[['--days', '-2'], 'got "-2"'],
		[['--by', 'color'], '--by must be one of worker, workflow, model, task; got "color"'],
		[['coder'], 'takes no arguments, got "coder"'],
		[['--since', 'x'], 'unknown option "--since"'],
	])('spool cost %j is a usage error', async (args, message) => {
		const run = await spool(home, ['cost', ...args]);
		expect(run.exitCode).toBe(2);
		expect(run.stdout).toBe('');
		expect(run.stderr).toContain(message);
	});
});

test('dates follow budget.timezone: today is the date there, and so is each ledger file\'s', async () => {
	// 25 hours apart: at any moment, today in one is another date than today in the other.
	const east = 'Pacific/Kiritimati';
	const west = 'Pacific/Pago_Pago';
	const home = await makeHome({workers: {coder: {}}, extra: {budget: {timezone: east}}});
	const now = Date.now();
	appendRun(home, dayOf(now, east), {costUsd: 0.25});
	appendRun(home, dayOf(now, west), {costUsd: 0.75});
	appendRun(home, dayOf(now, west), {costUsd: 0.75});

	const inEast = await costJson(home, []);
	expect(inEast).toMatchObject({from: dayOf(now, east), timezone: east, total: {runs: 1}});
	expect(inEast.total.costUsd).toBeCloseTo(0.25);
	expect((await spool(home, ['cost'])).stdout.split('\n')[0]).toBe(`${dayOf(now, east)} (${east})`);

	await fs.writeFile(path.join(home, 'spool.yaml'), stringify({budget: {timezone: west}, workers: {coder: {}}}));
	const inWest = await costJson(home, []);
	expect(inWest).toMatchObject({from: dayOf(now, west), timezone: west, total: {runs: 2}});
	expect(inWest.total.costUsd).toBeCloseTo(1.5);
});
