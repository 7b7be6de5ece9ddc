import {describe, expect, test} from 'vitest';
import type {ErrorCode} from '../../src/queue/error-codes.ts';
import {MAX_LINE_BYTES} from '../../src/worker/line-splitter.ts';
import {classifyExit} from '../../src/worker/outcome.ts';
import type {ClaudeExit} from '../../src/worker/run-claude.ts';

/** A CLI run that exited 0 without writing anything; each row says what differs. */
function exitOf(fields: Partial<ClaudeExit>): ClaudeExit {
	return {
		final: undefined,
		sessionId: null,
		model: null,
		badLines: 0,
		longLines: {count: 0, limit: MAX_LINE_BYTES, lastBytes: null},
		rateLimitResetsAt: null,
		rateLimit: null,
		rateLimitRetryMs: null,
		apiKeySource: null,
		streamTokens: null,
		lastText: null,
		exitCode: 0,
		signal: null,
		spawnError: null,
		spawnErrorCode: null,
		timedOut: false,
		canceled: false,
		stderrTail: '',
		durationMs: 10,
		transcriptError: null,
		...fields,
	};
}

/** The CLI's result line: a success unless the row says otherwise. */
function resultLine(fields: Record<string, unknown> = {}): Record<string, unknown> {
	return {type: 'result', subtype: 'success', is_error: false, result: 'done', session_id: 's', total_cost_usd: 0.01, num_turns: 1, api_error_status: null, ...fields};
}

const failedWith = (status: number, result = 'the API said no') => resultLine({is_error: true, api_error_status: status, result});

describe('classifyExit', () => {
	test.each<[string, Partial<ClaudeExit>, 'succeeded' | 'failed', ErrorCode | null, RegExp?]>([
		['a success', {final: resultLine()}, 'succeeded', null],
		['a success with a non-zero exit code (the result line is trusted)', {final: resultLine(), exitCode: 1}, 'succeeded', null],
		['API 401', {final: failedWith(401)}, 'failed', 'auth_failed', /^API error 401: the API said no$/],
		['API 403', {final: failedWith(403)}, 'failed', 'auth_failed'],
		['API 429', {final: failedWith(429)}, 'failed', 'rate_limited'],
		['API 500', {final: failedWith(500)}, 'failed', 'api_unavailable'],
		['API 529 (overloaded)', {final: failedWith(529)}, 'failed', 'api_unavailable'],
		['API 400', {final: failedWith(400)}, 'failed', 'api_error', /^API error 400/],
		['the CLI\'s text names the status itself: said once', {final: failedWith(500, 'API Error: 500 {"type":"error"}')}, 'failed', 'api_unavailable', /^API error 500: \{"type":"error"\}$/],
		['a 401 with the CLI\'s interactive advice: the advice is left out', {final: failedWith(401, 'Invalid API key · Fix external API key')}, 'failed', 'auth_failed', /^API error 401: Invalid API key$/],
		['a rejected rate_limit_event wins over the status', {final: failedWith(400, 'Claude usage limit reached'), rateLimitResetsAt: Date.now() + 60_000}, 'failed', 'rate_limited', /^Claude usage limit reached$/],
		['a usage limit without a reset time: the CLI\'s sentence as it is', {final: {...failedWith(429, "You've hit your 5-hour limit"), api_error: 'usage_limit_reached'}}, 'failed', 'rate_limited', /^You've hit your 5-hour limit$/],
		['"Not logged in", without the interactive CLI\'s "/login"', {final: resultLine({is_error: true, result: 'Not logged in · Please run /login'})}, 'failed', 'auth_failed', /^Not logged in$/],
		['"Invalid API key"', {final: resultLine({is_error: true, result: 'Invalid API key · Fix external API key'})}, 'failed', 'auth_failed'],
		['"API Error" without a status (never reached)', {final: resultLine({is_error: true, result: 'API Error: Connection error.'})}, 'failed', 'api_unreachable'],
		['subtype error_max_turns', {final: resultLine({subtype: 'error_max_turns', is_error: false, result: undefined})}, 'failed', 'error_max_turns', /^error_max_turns$/],
		['subtype error_max_budget_usd', {final: resultLine({subtype: 'error_max_budget_usd', is_error: true})}, 'failed', 'error_max_budget_usd'],
		['stopped at its cap with a tool call pending: no answer', {final: resultLine({subtype: 'error_max_budget_usd', is_error: true, result: undefined, stop_reason: 'tool_use'}), lastText: 'let me look'}, 'failed', 'error_max_budget_usd'],
		['stopped at its cap right after its final answer: the answer is kept', {final: resultLine({subtype: 'error_max_budget_usd', is_error: true, result: undefined, stop_reason: 'end_turn'}), lastText: 'the answer'}, 'succeeded', null],
		['stopped at its cap after its turn, but no text was its last word (read-output cleared it)', {final: resultLine({subtype: 'error_max_budget_usd', is_error: true, result: undefined, stop_reason: 'end_turn'}), lastText: null}, 'failed', 'error_max_budget_usd'],
		['subtype error_during_execution', {final: resultLine({subtype: 'error_during_execution', is_error: true})}, 'failed', 'error_during_execution'],
		['an unknown subtype', {final: resultLine({subtype: 'error_from_the_future', is_error: true, result: 'new'})}, 'failed', 'claude_error', /^new$/],
		['is_error with no other clue', {final: resultLine({is_error: true, result: 'something odd'})}, 'failed', 'claude_error'],
		['timed out, even with a result line', {final: resultLine(), timedOut: true, signal: 'SIGTERM'}, 'failed', 'timeout'],
		['could not be spawned', {exitCode: null, spawnError: 'spawn /no/claude ENOENT', spawnErrorCode: 'ENOENT'}, 'failed', 'cli_not_started', /^claude could not be started \(spawn \/no\/claude ENOENT\): check SPOOL_CLAUDE_BIN/],
		['the spawner helper died before the run started', {exitCode: null, spawnError: 'the process that starts claude runs ended before this one started', spawnErrorCode: 'ESPAWNER'}, 'failed', 'cli_not_started', /^claude could not be started \(the process that starts claude runs ended before this one started\); the run is tried again$/],
		['arguments over the system limit', {exitCode: null, spawnError: 'spawn E2BIG: ...', spawnErrorCode: 'E2BIG'}, 'failed', 'argument_too_large', /^claude could not be started \(spawn E2BIG/],
		['no result line, an exit code', {exitCode: 3, stderrTail: 'one\ntwo'}, 'failed', 'cli_crashed', /^claude exited with code 3 without writing a result: one \| two$/],
		['no result line, a signal', {exitCode: null, signal: 'SIGKILL'}, 'failed', 'cli_crashed', /^claude was killed by SIGKILL without writing a result$/],
		['no result line after a line over the limit', {longLines: {count: 1, limit: MAX_LINE_BYTES, lastBytes: 20_000_000}}, 'failed', 'output_too_large', /^claude's last line of output was 20000000 bytes, over the limit of 16777216 bytes/],
		['a line over the limit, then the result line', {final: resultLine(), longLines: {count: 2, limit: MAX_LINE_BYTES, lastBytes: null}}, 'succeeded', null],
	])('%s', (_name, fields, status, code, message) => {
		const outcome = classifyExit(exitOf(fields));
		expect({status: outcome.status, code: outcome.error?.code ?? null}).toEqual({status, code});
		if (message) {
			expect(outcome.error?.message).toMatch(message);
		}
	});

	test('reads the fields of the result line, and keeps the subtype and status it does not know', () => {
		const outcome = classifyExit(exitOf({
			final: resultLine({subtype: 'error_from_the_future', is_error: true, api_error_status: 418, usage: {input_tokens: 3}, num_turns: 4, total_cost_usd: 0.5, structured_output: {a: 1}}),
			sessionId: 'session-1',
			model: 'fake-model',
		}));
		expect(outcome).toMatchObject({
			status: 'failed',
			error: {code: 'api_error'},
			subtype: 'error_from_the_future',
			apiErrorStatus: 418,
			usage: {input_tokens: 3},
			numTurns: 4,
			costUsd: 0.5,
			structuredOutput: {a: 1},
			sessionId: 'session-1',
			model: 'fake-model',
		});
	});

	test('without a result line nothing is made up', () => {
		expect(classifyExit(exitOf({exitCode: 1}))).toMatchObject({result: null, costUsd: 0, usage: null, numTurns: null, subtype: null, apiErrorStatus: null});
		expect(classifyExit(exitOf({exitCode: 1}))).not.toHaveProperty('structuredOutput');
	});
});

describe('an answer at the cap', () => {
	const atCap = {final: resultLine({subtype: 'error_max_budget_usd', is_error: true, result: undefined, stop_reason: 'end_turn'}), lastText: 'the answer'};
	test('is the result, and says so', () => {
		expect(classifyExit(exitOf(atCap))).toMatchObject({status: 'succeeded', result: 'the answer', answeredAtCap: true, subtype: 'error_max_budget_usd'});
	});

	test('never for a task with a jsonSchema: its answer must be structured output', () => {
		expect(classifyExit(exitOf(atCap), {jsonSchema: true})).toMatchObject({status: 'failed', error: {code: 'error_max_budget_usd'}});
	});
});
