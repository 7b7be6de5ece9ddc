import {describe, expect, test} from 'vitest';
import {datesToRead} from '../../src/control/cost.ts';
import {isCalendarDate} from '../../src/ledger/day.ts';
import type {LedgerEntry, LedgerEntryInput} from '../../src/ledger/entry.ts';
import {ledgerEntry} from '../helpers/ledger.ts';
import {failedRuns, groupCosts, keyOf, type CostKey} from '../../src/ledger/group.ts';

/** A succeeded run of coder on an API key; each row says what differs. */
function run(fields: Partial<LedgerEntryInput> = {}): LedgerEntry {
	return ledgerEntry({
		time: '2026-03-10T12:00:00.000Z',
		task: 't1',
		runId: 'r1',
		costUsd: 0.1,
		usage: {input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20},
		model: 'claude-sonnet-4-5',
		durationMs: 1000,
		...fields,
	});
}

describe('keyOf', () => {
	test.each<[string, Partial<LedgerEntryInput>, CostKey, string]>([
		['a worker', {}, 'worker', 'coder'],
		['a task is WORKER/ID', {task: 'readme'}, 'task', 'coder/readme'],
		['a workflow', {workflow: 'notes'}, 'workflow', 'notes'],
		['no workflow', {}, 'workflow', '-'],
		['a model', {}, 'model', 'claude-sonnet-4-5'],
		['no model (the run ended before claude named one)', {model: null}, 'model', '-'],
	])('%s', (_name, fields, by, key) => {
		expect(keyOf(run(fields), by)).toBe(key);
	});
});

describe('groupCosts', () => {
	test.each<[string, LedgerEntry[], CostKey, Array<[string, number, number]>]>([
		['nothing', [], 'worker', []],
		['two workers, the dearer first', [run({costUsd: 0.1}), run({worker: 'reviewer', costUsd: 0.3}), run({costUsd: 0.1})], 'worker', [['reviewer', 1, 0.3], ['coder', 2, 0.2]]],
		['equal costs: by key', [run({worker: 'b'}), run({worker: 'a'})], 'worker', [['a', 1, 0.1], ['b', 1, 0.1]]],
		['attempts of one task together', [run({attempt: 1, outcome: 'retrying'}), run({attempt: 2}), run({task: 't2'})], 'task', [['coder/t1', 2, 0.2], ['coder/t2', 1, 0.1]]],
		['runs with and without a workflow', [run({workflow: 'w'}), run({costUsd: 0.5})], 'workflow', [['-', 1, 0.5], ['w', 1, 0.1]]],
		['a free run still counts', [run({costUsd: 0, model: null})], 'model', [['-', 1, 0]]],
	])('%s', (_name, entries, by, expected) => {
		const {groups} = groupCosts(entries, by);
		expect(groups.map(group => [group.key, group.runs, Number(group.costUsd.toFixed(6))])).toEqual(expected);
	});

	test('the total sums every group: runs, outcomes, dollars, the estimated part and tokens', () => {
		const {groups, total} = groupCosts([run(), run({worker: 'reviewer', outcome: 'dead', auth: 'subscription', costUsd: 0.25}), run({outcome: 'failed'}), run({outcome: 'canceled', auth: 'subscription', costUsd: 0.05})], 'worker');
		expect(total.runs).toBe(4);
		expect(total.costUsd).toBeCloseTo(0.5);
		expect(total.estimatedUsd).toBeCloseTo(0.3);
		expect(total.usage).toEqual({input: 40, output: 20, cacheRead: 400, cacheWrite: 80});
		expect(total.outcomes).toMatchObject({succeeded: 1, failed: 1, dead: 1, canceled: 1, retrying: 0});
		expect(groups.find(group => group.key === 'coder')?.estimatedUsd).toBeCloseTo(0.05);
	});

	test.each<[string, Partial<LedgerEntryInput>, number]>([
		['failed', {outcome: 'failed'}, 1],
		['dead', {outcome: 'dead'}, 1],
		['retrying (a failed attempt that runs again)', {outcome: 'retrying'}, 1],
		['succeeded', {}, 0],
		['canceled', {outcome: 'canceled'}, 0],
		['handed back at a shutdown', {outcome: 'handed-back'}, 0],
		['paused (a usage limit)', {outcome: 'paused'}, 0],
		['fenced (its claim was taken)', {outcome: 'fenced'}, 0],
	])('a run %s: counted as failed or not', (_name, fields, failed) => {
		expect(failedRuns(groupCosts([run(fields)], 'worker').total)).toBe(failed);
	});
});

describe('the dates a report reads', () => {
	test.each<[string, boolean]>([
		['2026-03-31', true],
		['2024-02-29', true],
		['2026-02-29', false],
		['2026-02-30', false],
		['2026-13-01', false],
		['2026-00-10', false],
		['2026-3-1', false],
		['2026-03-31T00:00', false],
		['today', false],
	])('%s is a calendar date: %s', (text, valid) => {
		expect(isCalendarDate(text)).toBe(valid);
	});

	test.each<[string, {date?: string; days?: number}, string, string, string[]]>([
		['today by default', {}, 'UTC', '2026-03-10T23:30:00Z', ['2026-03-10']],
		['today in the zone, already tomorrow there', {}, 'Asia/Tokyo', '2026-03-10T23:30:00Z', ['2026-03-11']],
		['a given date, whatever today is', {date: '2026-01-05'}, 'UTC', '2026-03-10T23:30:00Z', ['2026-01-05']],
		['the last 3 days, today included', {days: 3}, 'UTC', '2026-03-10T23:30:00Z', ['2026-03-08', '2026-03-09', '2026-03-10']],
		['across a month end', {days: 3}, 'UTC', '2026-03-01T10:00:00Z', ['2026-02-27', '2026-02-28', '2026-03-01']],
		['across a clock change (a day of 23 hours)', {days: 3}, 'Europe/Paris', '2026-03-30T00:30:00+02:00', ['2026-03-28', '2026-03-29', '2026-03-30']],
	])('%s', (_name, choice, timezone, now, dates) => {
		expect(datesToRead(choice, timezone, Date.parse(now))).toEqual(dates);
	});
});
