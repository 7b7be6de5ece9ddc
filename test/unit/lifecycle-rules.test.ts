import {describe, expect, test} from 'vitest';
import {mayRetry, mayStart} from '../../src/lifecycle/attempts.ts';
import {parseEntryName} from '../../src/lifecycle/names.ts';
import {jsonDepth} from '../../src/queue/task-limits.ts';

const RUN = '5d1f3e2a-8c4b-4f5e-9a1b-2c3d4e5f6a7b';

describe('every on-disk name form is read by one parser', () => {
	test.each([
		['fix-bug.json', {kind: 'task', id: 'fix-bug'}],
		['wf--step.json', {kind: 'task', id: 'wf--step'}],
		[`fix-bug@2.${RUN}.json`, {kind: 'started', id: 'fix-bug', started: {attempt: 2, runId: RUN}}],
		[`.out-0a1b2c3d-fix-bug.json`, {kind: 'fenced', claim: {id: 'fix-bug'}, claimName: 'fix-bug.json'}],
		[`.out-0a1b2c3d-fix-bug@3.${RUN}.json`, {kind: 'fenced', claim: {id: 'fix-bug', started: {attempt: 3, runId: RUN}}, claimName: `fix-bug@3.${RUN}.json`}],
		[`.fix-bug@1.${RUN}.result.json`, {kind: 'result', id: 'fix-bug', started: {attempt: 1, runId: RUN}}],
		['.fix-bug.json.0a1b2c3d.foreign', {kind: 'foreign', claimName: 'fix-bug.json'}],
		['.fix-bug.json.0a1b2c3d.tmp', {kind: 'temp'}],
		// An @ with no valid run after it is part of no id: the whole name is the id, which the claim then rejects.
		['a@b.json', {kind: 'task', id: 'a@b'}],
		['a@1.not-a-uuid.json', {kind: 'task', id: 'a@1.not-a-uuid'}],
		['.swp', {kind: 'other'}],
		['notes.txt', {kind: 'other'}],
		['.json', {kind: 'other'}],
		['x~', {kind: 'other'}],
		['.out-zzzz-fix.json', {kind: 'other'}],
	])('%s', (name, expected) => {
		expect(parseEntryName(name)).toEqual(expected);
	});
});

describe('one rule for "attempts exhausted"', () => {
	test.each([
		// attempt, maxAttempts, may it start, may it be retried after failing
		[1, 1, true, false],
		[1, 3, true, true],
		[2, 3, true, true],
		[3, 3, true, false],
		[4, 3, false, false],
	])('attempt %i of %i', (attempt, max, start, retry) => {
		expect(mayStart(attempt, max)).toBe(start);
		expect(mayRetry(attempt, max)).toBe(retry);
	});
});

describe('the nesting depth of a task text is counted without parsing it', () => {
	test.each([
		['{"prompt": "hi"}', 1],
		['"just a string"', 0],
		['{"a": [1, {"b": []}]}', 4],
		['{"prompt": "[[[[ not nesting ]]]] {{ \\" }}"}', 1],
		['{"prompt": "a \\\\"}', 1],
		['[ x 100,000', 100_000],
	])('%s', (text, depth) => {
		expect(jsonDepth(text === '[ x 100,000' ? `${'['.repeat(100_000)}${']'.repeat(100_000)}` : text)).toBe(depth);
	});
});
