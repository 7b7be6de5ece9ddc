import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {budgetState, runCap, type RunCap} from '../../src/budget/state.ts';
import {namedCap} from '../../src/budget/cap-error.ts';
import type {AttemptRecord} from '../../src/queue/task-schema.ts';
import {dayOf, endOfDay, lastDays} from '../../src/ledger/day.ts';
import {parseLedgerLine, type LedgerEntryInput} from '../../src/ledger/entry.ts';
import {ledgerEntry} from '../helpers/ledger.ts';
import {appendJsonLine, MAX_LINE_BYTES} from '../../src/queue/append-line.ts';
import {advanceTally, emptyTally, readCachedTally, totalOf, writeCachedTally} from '../../src/ledger/tally.ts';
import {settledOutcome} from '../../src/worker/settle.ts';
import {estimateCostUsd} from '../../src/ledger/prices.ts';
import {StreamUsage} from '../../src/worker/stream-usage.ts';

const entry = (fields: Partial<LedgerEntryInput> = {}) =>
	ledgerEntry({time: '2026-12-01T10:00:00.000Z', costUsd: 0.5, durationMs: 5, ...fields});

describe('budgetState', () => {
	test.each([
		[0, undefined, 0.75, 'ok'],
		[1000, undefined, 0.75, 'ok'],
		[0, 50, 0.75, 'ok'],
		[37.49, 50, 0.75, 'ok'],
		[37.5, 50, 0.75, 'warning'],
		[49.99, 50, 0.75, 'warning'],
		[50, 50, 0.75, 'halted'],
		[80, 50, 0.75, 'halted'],
		[50, 50, 1, 'halted'],
		[49.99, 50, 1, 'ok'],
		// Less than $0.0001 left is spent: no run could start with it (0.7 + 0.1 + 0.1 + 0.1 is 0.9999999999999999).
		[0.7 + 0.1 + 0.1 + 0.1, 1, 0.75, 'halted'],
		[0.99995, 1, 1, 'halted'],
	] as const)('spent %s of %s (warnAt %s): %s', (spent, daily, warnAt, state) => {
		expect(budgetState(spent, daily, warnAt)).toBe(state);
	});
});

describe('runCap: the least of the caps, rounded down to 1/10,000 of a dollar, the setting it came from, and whether the day binds it', () => {
	// Per-run caps are named run0, run1; a day's remainders day0, day1. A tie goes to the cap on one run.
	test.each([
		[[undefined, undefined], [undefined, undefined], {usd: undefined, byDay: false, from: null}],
		[[5, undefined], [undefined, undefined], {usd: 5, byDay: false, from: 'run0'}],
		[[5, 2], [10, undefined], {usd: 2, byDay: false, from: 'run1'}],
		[[undefined, 5], [0.12345, undefined], {usd: 0.1234, byDay: true, from: 'day0'}],
		[[undefined, undefined], [3, 1], {usd: 1, byDay: true, from: 'day1'}],
		[[2, undefined], [2, undefined], {usd: 2, byDay: false, from: 'run0'}],
		[[5, 5], [0, undefined], {usd: 0, byDay: true, from: 'day0'}],
		[[5, 5], [0.00009, undefined], {usd: 0, byDay: true, from: 'day0'}],
		[[0.0001], [], {usd: 0.0001, byDay: false, from: 'run0'}],
		// 0.29 * 10,000 is 2899.9999999999995: the cap stays $0.29.
		[[0.29], [], {usd: 0.29, byDay: false, from: 'run0'}],
		[[2.01], [0.57], {usd: 0.57, byDay: true, from: 'day0'}],
	] as const)('%j and %j → %j', (perRun, dayLeft, cap) => {
		const named = (values: readonly (number | undefined)[], kind: string) => values.map((usd, index) => ({usd, from: `${kind}${index}`}));
		expect(runCap(named(perRun, 'run'), named(dayLeft, 'day'))).toEqual(cap);
	});
});

describe('the budget day', () => {
	test.each([
		['2026-12-01T22:59:59.999Z', 'Europe/Paris', '2026-12-01', '2026-12-01T23:00:00.000Z'],
		['2026-12-01T23:00:00.000Z', 'Europe/Paris', '2026-12-02', '2026-12-02T23:00:00.000Z'],
		['2026-12-01T12:00:00.000Z', 'UTC', '2026-12-01', '2026-12-02T00:00:00.000Z'],
		// The clocks go back on 2026-10-25 in Paris: that day has 25 hours.
		['2026-10-24T22:00:00.000Z', 'Europe/Paris', '2026-10-25', '2026-10-25T23:00:00.000Z'],
		// And forward on 2026-03-29: 23 hours.
		['2026-03-28T23:00:00.000Z', 'Europe/Paris', '2026-03-29', '2026-03-29T22:00:00.000Z'],
		['2026-12-01T10:00:00.000Z', 'Pacific/Kiritimati', '2026-12-02', '2026-12-02T10:00:00.000Z'],
	])('%s in %s is %s, which ends at %s', (time, zone, day, end) => {
		expect(dayOf(Date.parse(time), zone)).toBe(day);
		expect(new Date(endOfDay(Date.parse(time), zone)).toISOString()).toBe(end);
	});

	test('lastDays counts back whole dates, today last', () => {
		expect(lastDays(Date.parse('2026-03-02T10:00:00Z'), 'UTC', 3)).toEqual(['2026-02-28', '2026-03-01', '2026-03-02']);
		expect(lastDays(Date.parse('2026-03-30T10:00:00Z'), 'Europe/Paris', 2)).toEqual(['2026-03-29', '2026-03-30']);
	});
});

describe('ledger lines', () => {
	test('a line keeps the tokens by kind and stays under one write however long the names', () => {
		const line = entry({usage: {input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 3, cache_creation_input_tokens: 4, server_tool_use: {web_search_requests: 1}}, workflow: 'w'.repeat(10_000), model: 'm'.repeat(10_000)});
		expect(line.usage).toEqual({input: 10, output: 2, cacheRead: 3, cacheWrite: 4});
		expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThan(MAX_LINE_BYTES);
		expect(parseLedgerLine(JSON.stringify(line))).toEqual(line);
	});

	test('a line of a later version keeps its new fields; one that is not a ledger line is refused', () => {
		expect(parseLedgerLine(JSON.stringify({...entry(), version: 2, extra: 'kept'}))).toMatchObject({version: 2, extra: 'kept'});
		expect(parseLedgerLine('{"version":1}')).toBeUndefined();
		expect(parseLedgerLine('not json')).toBeUndefined();
	});
});

describe('the tally of a day', () => {
	const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'spool-tally-'));

	test('reads whole lines only, skips bad ones, and reads only what came since', () => {
		const file = path.join(dir(), 'day.jsonl');
		appendJsonLine(file, entry());
		appendJsonLine(file, entry({worker: 'reviewer', auth: 'subscription', costUsd: 0.25, outcome: 'retrying'}));
		fs.appendFileSync(file, 'garbage\n{"version":1,"time":"2026');
		let tally = advanceTally(emptyTally('2026-12-01'), file);
		expect(tally).toMatchObject({lines: 2, badLines: 1});
		expect(totalOf(tally)).toMatchObject({runs: 2, costUsd: 0.75, estimatedUsd: 0.25, outcomes: {succeeded: 1, retrying: 1}});
		const offset = tally.offset;
		expect(offset).toBeLessThan(fs.statSync(file).size);
		// The half line is finished by its writer: it counts once whole.
		fs.appendFileSync(file, `${JSON.stringify(entry({costUsd: 1})).slice('{"version":1,"time":"2026'.length)}\n`);
		tally = advanceTally(tally, file);
		expect(tally.lines).toBe(3);
		expect(tally.workers.coder!.costUsd).toBe(1.5);
	});

	test('a file shorter than what was read was replaced: it is read again from its start', () => {
		const file = path.join(dir(), 'day.jsonl');
		appendJsonLine(file, entry());
		appendJsonLine(file, entry());
		const tally = advanceTally(emptyTally('2026-12-01'), file);
		fs.writeFileSync(file, `${JSON.stringify(entry({costUsd: 2}))}\n`);
		expect(totalOf(advanceTally(tally, file)).costUsd).toBe(2);
	});

	test('a cached tally is used only for its own date, and written only past a step', async () => {
		const folder = dir();
		const file = path.join(folder, 'day.jsonl');
		const cache = path.join(folder, '.day.tally.json');
		for (let n = 0; n < 1000; n++) {
			appendJsonLine(file, entry({task: `t${n}`}));
		}

		const tally = advanceTally(emptyTally('2026-12-01'), file);
		expect(await writeCachedTally(cache, tally, 0)).toBe(true);
		expect(await writeCachedTally(cache, tally, tally.offset - 10)).toBe(false);
		expect(readCachedTally(cache, '2026-12-01')).toEqual(tally);
		expect(readCachedTally(cache, '2026-12-02')).toEqual(emptyTally('2026-12-02'));
		fs.writeFileSync(cache, '{"version":1,"date":"2026-12-01"');
		expect(readCachedTally(cache, '2026-12-01')).toEqual(emptyTally('2026-12-01'));
	});
});

describe('settledOutcome: what a finished run becomes, and what its ledger line says', () => {
	test.each([
		[{status: 'succeeded', error: null}, 1, 3, 'succeeded'],
		[{status: 'failed', error: {code: 'error_max_turns', message: ''}}, 1, 3, 'failed'],
		[{status: 'failed', error: {code: 'timeout', message: ''}}, 1, 3, 'retrying'],
		[{status: 'failed', error: {code: 'timeout', message: ''}}, 3, 3, 'dead'],
		[{status: 'failed', error: {code: 'rate_limited', message: ''}}, 3, 3, 'paused'],
		[{status: 'failed', error: {code: 'auth_failed', message: ''}}, 1, 3, 'paused'],
		[{status: 'failed', error: {code: 'daily_budget_reached', message: ''}}, 3, 3, 'paused'],
		[{status: 'failed', error: {code: 'error_max_budget_usd', message: ''}}, 1, 3, 'failed'],
	] as const)('%j at attempt %s of %s: %s', (result, attempt, max, outcome) => {
		expect(settledOutcome(result, attempt, max)).toBe(outcome);
	});
});

describe("a stopped run's cost, reckoned from the tokens its stream showed", () => {
	test.each([
		['claude-sonnet-4-5', {input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0}, 3],
		['claude-sonnet-4-5', {input: 0, output: 1_000_000, cacheRead: 0, cacheWrite: 0}, 15],
		['claude-opus-4-5', {input: 1_000_000, output: 1_000_000, cacheRead: 0, cacheWrite: 0}, 30],
		['claude-haiku-4-5', {input: 0, output: 0, cacheRead: 1_000_000, cacheWrite: 1_000_000}, 0.1 + 1.25],
		['claude-3-5-haiku-20241022', {input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0}, 0.8],
		// A model not in the table is priced as the dearest: an estimate errs on the budget's side.
		['some-new-model', {input: 1_000_000, output: 0, cacheRead: 0, cacheWrite: 0}, 15],
		[null, {input: 0, output: 1_000_000, cacheRead: 0, cacheWrite: 0}, 75],
	] as const)('%s %j: $%s', (model, tokens, usd) => {
		expect(estimateCostUsd(model, tokens)).toBeCloseTo(usd, 9);
	});

	test('each message counts once however many events it spans, its output read from its content when that says more', () => {
		const usage = new StreamUsage();
		const event = (id: string, content: unknown[], output = 1) => ({type: 'assistant', message: {id, usage: {input_tokens: 100, output_tokens: output, cache_read_input_tokens: 50}, content}});
		usage.add(event('m1', [{type: 'text', text: 'x'.repeat(400)}]));
		usage.add(event('m1', [{type: 'tool_use', input: {command: 'y'.repeat(386)}}]));
		usage.add(event('m2', [{type: 'text', text: 'hi'}], 30));
		usage.add({type: 'assistant', message: {content: []}});
		expect(usage.tokens()).toEqual({input: 200, cacheRead: 100, cacheWrite: 0, output: 200 + 30});
	});
});

describe('appending to a ledger', () => {
	test('a line left half-written by a crash costs only itself: the next line is whole', () => {
		const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-append-')), 'day.jsonl');
		appendJsonLine(file, entry({task: 'a'}));
		fs.appendFileSync(file, JSON.stringify(entry({task: 'torn'})).slice(0, 40));
		appendJsonLine(file, entry({task: 'b', costUsd: 3}));
		const tally = advanceTally(emptyTally('2026-12-01'), file);
		expect(tally).toMatchObject({lines: 2, badLines: 1});
		expect(totalOf(tally).costUsd).toBe(3.5);
	});
});

describe('namedCap: what a run the CLI stopped at its cap becomes', () => {
	const stopped = {error: {code: 'error_max_budget_usd' as const, message: 'error_max_budget_usd'}};
	const cut = {attempt: 1, error: {code: 'daily_budget_reached' as const, message: ''}, finishedAt: ''};
	test.each<[string, RunCap, AttemptRecord[], string, RegExp]>([
		['its own cap: failed for good, the cap named', {usd: 0.02, byDay: false, from: "the task's maxCostUsd"}, [], 'error_max_budget_usd', /^the run reached its cap of \$0\.02 \(the task's maxCostUsd\) and the CLI stopped it there$/],
		['the day cut it: it waits for the budget, uncounted', {usd: 0.014, byDay: true, from: "what was left of the home's budget.dailyUsd"}, [], 'daily_budget_reached', /it was given what was left of the home's budget\.dailyUsd \(\$0\.014\)/],
		['the day cut it a second time: failed for good, not handed back each day', {usd: 50, byDay: true, from: "what was left of the home's budget.dailyUsd"}, [cut], 'error_max_budget_usd', /the day's budget cut it short before too, so it is not run again/],
	])('%s', (_name, cap, history, code, message) => {
		const named = namedCap(stopped, cap, history);
		expect(named.error.code).toBe(code);
		expect(named.error.message).toMatch(message);
	});

	test('any other outcome is left as it is', () => {
		const done = {error: null};
		expect(namedCap(done, {usd: 1, byDay: true, from: 'x'}, [])).toBe(done);
	});
});
