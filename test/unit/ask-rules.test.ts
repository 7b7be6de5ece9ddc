import {describe, expect, test} from 'vitest';
import {questionOf} from '../../src/ask/ask-record.ts';
import {decideToolCall} from '../../src/ask/hook.ts';
import {askedQuestion, waitingContent} from '../../src/ask/park-task.ts';
import {sinceQuestion} from '../../src/ask/session-cost.ts';
import type {ClaudeExit} from '../../src/worker/run-claude.ts';

const ASK = 'mcp__spool__ask_human';

describe('the PreToolUse hook', () => {
	test.each([
		['an ask_human call is deferred', {tool_name: ASK, tool_use_id: 'toolu_1'}, undefined, 'defer'],
		['the call a resumed run lets through is allowed', {tool_name: ASK, tool_use_id: 'toolu_1'}, 'toolu_1', 'allow'],
		['a new question in a resumed run is deferred again', {tool_name: ASK, tool_use_id: 'toolu_2'}, 'toolu_1', 'defer'],
		['another tool gets no decision', {tool_name: 'Bash', tool_use_id: 'toolu_1'}, 'toolu_1', undefined],
		['input that is no object gets no decision', 'nonsense', undefined, undefined],
	])('%s', (_name, input, allowed, decision) => {
		expect(decideToolCall(input, allowed)?.hookSpecificOutput.permissionDecision).toBe(decision);
	});
});

describe('what ask_human asked', () => {
	test.each([
		['a question alone', {question: 'Which?'}, {question: 'Which?'}],
		['options and context', {question: 'Which?', options: ['a', 2, 'b'], context: 'found x'}, {question: 'Which?', options: ['a', 'b'], context: 'found x'}],
		['empty options and blank context are left out', {question: 'Which?', options: [], context: '  '}, {question: 'Which?'}],
		['no question', {options: ['a']}, undefined],
		['a blank question', {question: '   '}, undefined],
		['not an object', null, undefined],
	])('%s', (_name, input, expected) => {
		expect(questionOf(input)).toEqual(expected);
	});

	test('only a deferred ask_human call with an id parks the task', () => {
		const exit = (deferred: unknown) => ({final: {type: 'result', deferred_tool_use: deferred}}) as Pick<ClaudeExit, 'final'>;
		expect(askedQuestion(exit({id: 'toolu_1', name: ASK, input: {question: 'Q?'}}))).toEqual({toolUseId: 'toolu_1', question: {question: 'Q?'}});
		expect(askedQuestion(exit({id: 'toolu_1', name: 'Bash', input: {command: 'ls'}}))).toBeUndefined();
		expect(askedQuestion(exit({name: ASK, input: {question: 'Q?'}}))).toBeUndefined();
		expect(askedQuestion({final: undefined})).toBeUndefined();
	});
});

describe("a resumed run's own cost", () => {
	const exit = (final: Record<string, unknown>) => ({final}) as ClaudeExit;
	test('the session totals at the question are taken off the result line', () => {
		const own = sinceQuestion(exit({total_cost_usd: 0.0024, modelUsage: {opus: {inputTokens: 300, outputTokens: 60, costUSD: 0.0024, contextWindow: 1_000_000}}}), {
			sessionCostUsd: 0.0008,
			sessionUsage: {opus: {inputTokens: 100, outputTokens: 20, costUSD: 0.0008, contextWindow: 1_000_000}},
		});
		expect(own.final!.total_cost_usd).toBeCloseTo(0.0016, 10);
		expect(own.final).toMatchObject({modelUsage: {opus: {inputTokens: 200, outputTokens: 40, contextWindow: 1_000_000}}});
		expect((own.final!.modelUsage as {opus: {costUSD: number}}).opus.costUSD).toBeCloseTo(0.0016, 10);
	});

	test('a model new since the question is kept whole; never below zero; no result line is left as it is', () => {
		const own = sinceQuestion(exit({total_cost_usd: 0.0005, modelUsage: {haiku: {inputTokens: 10}}}), {sessionCostUsd: 0.0008, sessionUsage: {opus: {inputTokens: 100}}});
		expect(own.final).toMatchObject({total_cost_usd: 0, modelUsage: {haiku: {inputTokens: 10}}});
		const none = {final: undefined} as ClaudeExit;
		expect(sinceQuestion(none, {sessionCostUsd: 1})).toBe(none);
	});
});

describe('the task as it waits', () => {
	const ask = {question: 'Q2?', askedAt: 't', toolUseId: 'u2', sessionId: 's', cwd: '/w', costUsd: 0.1, attempt: 1, runId: 'r2', sessionCostUsd: 0.3};
	test('spool-managed fields are dropped, an answered question moves to questions, the attempt is not counted', () => {
		const earlier = {...ask, question: 'Q1?', toolUseId: 'u1', runId: 'r1', answer: 'yes', answeredBy: 'command'};
		const raw = {prompt: 'p', priority: 2, attempts: 1, runId: 'old', retryAt: 'x', ask: earlier, history: [{attempt: 1}]};
		expect(waitingContent(raw, {ask: earlier}, 1, [], ask)).toEqual({prompt: 'p', priority: 2, attempts: 1, questions: [earlier], ask});
		expect(waitingContent({prompt: 'p'}, {}, 0, [{attempt: 1}], ask)).toEqual({prompt: 'p', attempts: 0, history: [{attempt: 1}], ask});
	});
});
