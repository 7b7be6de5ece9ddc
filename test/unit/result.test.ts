import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {buildResult, costOf, readResultFile, RESULT_VERSION} from '../../src/queue/result.ts';
import {ROOT} from '../helpers/home.ts';

const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'results', name);

describe('the result record', () => {
	test('results written before the version field (spool 0.1) still read, as version 1', () => {
		const dead = readResultFile(fixture('v0-dead.json'));
		expect(dead).toMatchObject({version: 1, id: 'flaky', status: 'dead', error: {code: 'api_unavailable'}, metadata: {ticket: 7}});
		// A code this version does not know reads as claude_error, the code kept in the message.
		expect(dead!.history![1]!.error).toEqual({code: 'claude_error', message: 'error_something_new: a subtype this spool never knew'});
		expect(readResultFile(fixture('v0-rejected.json'))).toMatchObject({version: 1, status: 'rejected', rejectedFile: 'rejected/coder/bad.json'});
	});

	test('costOf counts every paid attempt: this one and each one in the history', () => {
		expect(costOf(readResultFile(fixture('v0-dead.json'))!)).toBeCloseTo(0.0423, 10);
		expect(costOf({costUsd: 0.5})).toBe(0.5);
		expect(costOf({costUsd: 0, history: [{attempt: 1, error: {code: 'timeout', message: ''}, finishedAt: ''}]})).toBe(0);
	});

	test('the builder writes the current version; a file that is not a result reads as undefined', () => {
		expect(buildResult({id: 'a', worker: 'w', owner: 'o', runId: 'r', attempts: 1, startedAt: new Date()})).toMatchObject({version: RESULT_VERSION, status: 'failed', costUsd: 0});
		expect(readResultFile(path.join(ROOT, 'package.json'))).toBeUndefined();
		expect(readResultFile(path.join(ROOT, 'no-such-file.json'))).toBeUndefined();
		expect(readResultFile(path.join(ROOT, 'test'))).toBeUndefined();
	});
});

test('a result whose structured output cannot be serialized (100,000 deep) is stored failed with output_too_large, not lost', async () => {
	const {serializeResult} = await import('../../src/lifecycle/commit.ts');
	let deep: unknown = [];
	for (let depth = 0; depth < 100_000; depth++) {
		deep = [deep];
	}

	const result = buildResult({id: 'a', worker: 'w', owner: 'o', runId: 'r', attempts: 1, startedAt: new Date()}, {status: 'succeeded', structuredOutput: deep, result: 'x'.repeat(100_000)});
	const stored = JSON.parse(serializeResult(result)) as Record<string, any>;
	expect(stored).toMatchObject({status: 'failed', error: {code: 'output_too_large'}});
	expect(stored.structuredOutput).toBeUndefined();
	expect(stored.result).toHaveLength(64 * 1024);
});
