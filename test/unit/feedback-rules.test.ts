import {describe, expect, test} from 'vitest';
import {composePrompt, MAX_FEEDBACK_PROMPT_BYTES} from '../../src/feedback/for-run.ts';
import {feedbackDateOf, pickFeedbackDate} from '../../src/feedback/pick.ts';
import {splitFeedback} from '../../src/feedback/sections.ts';
import {addDays, dayBounds} from '../../src/ledger/day.ts';

describe('which feedback file a task of a day gets', () => {
	const names = ['2026-11-24.md', '2026-11-28.md', '2026-11-30.md', '2026-12-01.md', '2026-12-05.md', '.2026-11-29.md.swp', '2026-11-29.md~', '2026-02-30.md', 'notes.md'];
	test.each([
		{today: '2026-12-01', days: 7, picked: '2026-11-30', why: 'the latest before today: the review of yesterday'},
		{today: '2026-12-02', days: 7, picked: '2026-12-01', why: "yesterday's, over the older ones"},
		{today: '2026-12-04', days: 7, picked: '2026-12-01', why: 'the latest still holds on the days after it'},
		{today: '2026-12-05', days: 7, picked: '2026-12-01', why: "today's own file waits for tomorrow"},
		{today: '2026-12-09', days: 7, picked: '2026-12-05', why: 'seven days after it, still given'},
		{today: '2026-12-13', days: 7, picked: undefined, why: 'eight days after the latest: too old'},
		{today: '2026-11-25', days: 7, picked: '2026-11-24', why: 'editor debris and impossible dates are no feedback'},
		{today: '2026-11-24', days: 7, picked: undefined, why: 'nothing before the first'},
		{today: '2026-12-02', days: 1, picked: '2026-12-01', why: 'one day: only yesterday'},
		{today: '2026-12-03', days: 1, picked: undefined, why: 'one day: the day before yesterday is too old'},
		{today: '2026-12-02', days: 0, picked: undefined, why: 'feedbackDays 0 turns it off'},
	])('$today, $days days: $picked ($why)', ({today, days, picked}) => {
		expect(pickFeedbackDate(names, today, days)).toBe(picked);
	});

	test.each([
		['2026-12-01.md', '2026-12-01'],
		['2026-13-01.md', undefined],
		['2026-12-01.md.tmp', undefined],
		['.2026-12-01.md', undefined],
		['2026-12-1.md', undefined],
	])('the name %s is the date %s', (name, date) => {
		expect(feedbackDateOf(name)).toBe(date);
	});
});

describe('a feedback file split by whom each part is for', () => {
	const workers = ['coder', 'reviewer', 'docs-writer'];
	test.each([
		{what: 'text alone is for everyone', text: 'Be brief.\n', all: 'Be brief.', own: {}},
		{what: 'a worker section is that worker\'s', text: 'General.\n\n## coder\nRun the tests.\n\n## reviewer\nBe kind.\n', all: 'General.', own: {coder: 'Run the tests.', reviewer: 'Be kind.'}},
		{what: 'a heading that names no worker ends a worker section; its text is for all', text: '## coder\nSmall commits.\n## Everyone\nShorter answers.\n', all: '## Everyone\nShorter answers.', own: {coder: 'Small commits.'}},
		{what: 'letter case and backticks aside, a heading names the worker', text: '## Coder\nA.\n## `Docs-Writer`\nB.\n', all: '', own: {coder: 'A.', 'docs-writer': 'B.'}},
		{what: 'a title alone is nothing for all', text: '# Review of 2026-12-01\n\n## coder\nFine work.\n', all: '', own: {coder: 'Fine work.'}},
		{what: 'level-3 headings stay in the worker section', text: '## coder\n### tests\nMore of them.\n', all: '', own: {coder: '### tests\nMore of them.'}},
		{what: 'a level-1 heading ends a worker section', text: '## coder\nX.\n# Later\nY.\n', all: '# Later\nY.', own: {coder: 'X.'}},
		{what: 'headings in a fenced block are text', text: '## coder\n```md\n## reviewer\n```\n', all: '', own: {coder: '```md\n## reviewer\n```'}},
		{what: 'two sections of one worker are joined', text: '## coder\nA.\n## reviewer\nB.\n## coder\nC.\n', all: '', own: {coder: 'A.\nC.', reviewer: 'B.'}},
		{what: 'HTML comments reach no one', text: '<!-- my own notes -->\n## coder\nA. <!-- not this -->\n', all: '', own: {coder: 'A.'}},
		{what: 'an empty section is no section', text: '## coder\n\n## reviewer\nB.\n', all: '', own: {reviewer: 'B.'}},
		{what: 'a heading of an unknown name is text for all', text: '## planner\nThink first.\n', all: '## planner\nThink first.', own: {}},
		{what: 'CRLF line ends', text: '## coder\r\nA.\r\n', all: '', own: {coder: 'A.'}},
	])('$what', ({text, all, own}) => {
		expect(splitFeedback(text, workers)).toEqual({all, workers: own});
	});
});

describe('the prompt a run is given', () => {
	test('it names the file and holds the part for all and the worker\'s own, under their headings', () => {
		const {prompt, cut} = composePrompt({file: 'feedback/2026-11-30.md', date: '2026-11-30', worker: 'coder', all: 'Be brief.', own: 'Run the tests.'});
		expect(cut).toBe(false);
		expect(prompt).toBe(
			'# Feedback from the person who reviews this team\n\nAfter reading the report of 2026-11-30, the person who reviews this team\'s work wrote this (feedback/2026-11-30.md). Take it into account in this task.\n\n## For every worker\n\nBe brief.\n\n## For you (coder)\n\nRun the tests.\n',
		);
	});

	test('a long one is cut on a character boundary, below the cap, and says so', () => {
		const {prompt, cut} = composePrompt({file: 'feedback/x.md', date: 'x', worker: 'coder', all: 'é'.repeat(40_000), own: ''});
		expect(cut).toBe(true);
		expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(MAX_FEEDBACK_PROMPT_BYTES);
		expect(prompt).not.toContain('\uFFFD');
		expect(prompt).toMatch(/\[The rest of feedback\/x\.md is left out: past 32 KiB\.\]\n$/);
	});
});

describe('the days of the calendar in a time zone', () => {
	test.each([
		{date: '2026-12-01', zone: 'UTC', from: '2026-12-01T00:00:00.000Z', hours: 24},
		{date: '2026-03-29', zone: 'Europe/Paris', from: '2026-03-28T23:00:00.000Z', hours: 23},
		{date: '2026-10-25', zone: 'Europe/Paris', from: '2026-10-24T22:00:00.000Z', hours: 25},
		{date: '2026-12-01', zone: 'Pacific/Kiritimati', from: '2026-11-30T10:00:00.000Z', hours: 24},
		{date: '2026-12-01', zone: 'Etc/GMT+12', from: '2026-12-01T12:00:00.000Z', hours: 24},
	])('$date in $zone starts at $from and lasts $hours hours', ({date, zone, from, hours}) => {
		const bounds = dayBounds(date, zone);
		expect(new Date(bounds.from).toISOString()).toBe(from);
		expect((bounds.until - bounds.from) / 3_600_000).toBe(hours);
	});

	test.each([
		['2026-03-01', -1, '2026-02-28'],
		['2028-03-01', -1, '2028-02-29'],
		['2026-12-31', 1, '2027-01-01'],
		['2026-12-08', -7, '2026-12-01'],
	])('%s %i days is %s', (date, days, expected) => {
		expect(addDays(date, days)).toBe(expected);
	});
});
