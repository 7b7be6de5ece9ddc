import fs from 'node:fs';
import {describe, expect, test} from 'vitest';
import {parseReport, reportSchema} from '../../src/report/record.ts';
import {renderReport} from '../../src/report/render.ts';
import {stateOfDayTask} from '../../src/report/day-tasks.ts';
import {code, prose, runTime, table} from '../../src/report/markdown.ts';
import {reportDueDate} from '../../src/report/schedule.ts';

describe('when the day\'s report is due', () => {
	test.each([
		{now: '2026-12-01T16:59:59Z', at: '18:00', zone: 'Europe/Paris', due: undefined, why: '17:59 in Paris'},
		{now: '2026-12-01T17:00:00Z', at: '18:00', zone: 'Europe/Paris', due: '2026-12-01', why: '18:00 in Paris'},
		{now: '2026-12-01T22:59:00Z', at: '18:00', zone: 'Europe/Paris', due: '2026-12-01', why: 'later that evening: still due, for a late start'},
		{now: '2026-12-01T23:00:00Z', at: '18:00', zone: 'Europe/Paris', due: undefined, why: "midnight in Paris: a new day, yesterday's is not caught up"},
		{now: '2026-12-01T18:00:00Z', at: '18:00', zone: 'UTC', due: '2026-12-01', why: 'UTC'},
		{now: '2026-12-01T09:30:00Z', at: '18:00', zone: 'Pacific/Kiritimati', due: '2026-12-01', why: '23:30 at UTC+14'},
		{now: '2026-12-01T00:00:00Z', at: '00:00', zone: 'UTC', due: '2026-12-01', why: '00:00 is due from the first minute'},
		{now: '2026-03-29T01:30:00Z', at: '02:30', zone: 'Europe/Paris', due: '2026-03-29', why: 'a time the spring clock change skips is due at the hour after it'},
		{now: '2026-12-01T18:00:00Z', at: null, zone: 'UTC', due: undefined, why: 'null: never'},
	])('$now, at $at in $zone: $due ($why)', ({now, at, zone, due}) => {
		expect(reportDueDate(Date.parse(now), at, zone)).toBe(due);
	});
});

describe('what became of a task of the day', () => {
	test.each([
		{task: {result: {status: 'succeeded' as const}}, state: 'succeeded'},
		{task: {result: {status: 'rejected' as const}}, state: 'rejected'},
		{task: {live: 'running' as const, result: {status: 'failed' as const}}, state: 'running', why: 'run again: the live entry wins, as in spool list'},
		{task: {live: 'delayed' as const}, state: 'delayed'},
		{task: {live: 'waiting' as const}, state: 'waiting'},
		{task: {}, state: 'carried-over', why: 'ran that day, finished on a later one'},
	])('$state', ({task, state}) => {
		expect(stateOfDayTask(task)).toBe(state);
	});
});

describe('markdown that reads as plain text', () => {
	test('a table is padded to its columns, right-aligned where asked, and a | in a cell is escaped', () => {
		expect(table(['worker', 'runs'], [['coder', '12'], ['a|b', '3']], [1])).toEqual(['| worker | runs |', '| ------ | ---: |', '| coder  |   12 |', '| a\\|b   |    3 |']);
	});

	test.each([
		{text: 'plain words', out: 'plain words'},
		{text: 'two\n  lines', out: 'two lines'},
		{text: 'a <b>tag</b> and `code` and *stars* and [a](link)', out: 'a \\<b>tag\\</b> and \\`code\\` and \\*stars\\* and \\[a\\](link)'},
		{text: '# not a heading', out: '\\# not a heading'},
		{text: '- not a list', out: '\\- not a list'},
		{text: 'x'.repeat(500), out: `${'x'.repeat(397)}...`},
	])('prose: $out', ({text, out}) => {
		expect(prose(text)).toBe(out);
	});

	test.each([
		['spool show coder/x', '`spool show coder/x`'],
		['a `b` c', '`` a `b` c ``'],
	])('code %s', (text, out) => {
		expect(code(text)).toBe(out);
	});

	test.each([
		[400, '0s'],
		[42_000, '42s'],
		[250_000, '4m 10s'],
		[3_725_000, '1h 02m'],
	])('%i ms reads %s', (ms, out) => {
		expect(runTime(ms)).toBe(out);
	});
});

describe('the record and its rendering', () => {
	const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/reports/${name}`, import.meta.url), 'utf8');

	test('a checked-in version-1 record still reads, and renders to its checked-in markdown (the record alone makes the markdown)', () => {
		const report = parseReport(JSON.parse(fixture('2026-12-01.json')));
		expect(report).toBeDefined();
		expect(renderReport(report!)).toBe(fixture('2026-12-01.md'));
	});

	test('a record of a newer version is refused, not guessed at; fields a later version adds are kept', () => {
		const record = JSON.parse(fixture('2026-12-01.json')) as Record<string, unknown>;
		expect(parseReport({...record, version: 2})).toBeUndefined();
		expect(reportSchema.safeParse({...record, version: 2}).error?.issues[0]?.message).toContain('written by a newer spool');
		expect(parseReport({...record, later: {x: 1}})).toMatchObject({later: {x: 1}});
	});
});
