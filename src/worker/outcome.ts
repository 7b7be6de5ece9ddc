import {isErrorCode, type ErrorCode, type TaskError} from '../queue/error-codes.ts';
import {isObject} from '../queue/read-file.ts';
import {estimateCostUsd} from '../ledger/prices.ts';
import type {TaskResult} from '../queue/result.ts';
import type {ClaudeExit} from './run-claude.ts';

type Outcome = Pick<
	TaskResult,
	'status' | 'result' | 'sessionId' | 'costUsd' | 'usage' | 'numTurns' | 'error' | 'exitCode' | 'signal' | 'timedOut' | 'subtype' | 'apiErrorStatus' | 'model'
> & {structuredOutput?: unknown; costFromTokens?: true; answeredAtCap?: true};

/**
 * Reads what the CLI said about its own run. Its `is_error`, `subtype` and `api_error_status` are
 * trusted over its exit code; the exit code and stderr only speak when it wrote no result line.
 */
export function classifyExit(exit: ClaudeExit, options: {jsonSchema?: boolean} = {}): Outcome {
	const final = exit.final;
	const base = {
		result: typeof final?.result === 'string' ? final.result : null,
		sessionId: exit.sessionId,
		...costOf(exit),
		numTurns: typeof final?.num_turns === 'number' ? final.num_turns : null,
		exitCode: exit.exitCode,
		signal: exit.signal,
		timedOut: exit.timedOut,
		subtype: typeof final?.subtype === 'string' ? final.subtype : null,
		apiErrorStatus: typeof final?.api_error_status === 'number' ? final.api_error_status : null,
		model: exit.model,
		...(final && 'structured_output' in final ? {structuredOutput: final.structured_output} : {}),
	};
	if (!options.jsonSchema && answeredAtCap(exit)) {
		// The CLI checks its cap after a turn: a run whose last turn was its answer (end_turn) is done, and
		// the answer, which the CLI leaves out of its result line then, is the stream's last text.
		return {...base, result: exit.lastText, status: 'succeeded', error: null, answeredAtCap: true};
	}

	const error = errorOf(exit, base);
	return {...base, status: error ? 'failed' : 'succeeded', error};
}

/**
 * claude stopped the run at --max-budget-usd after a final answer: its turn ended, no tool call pending,
 * and nothing came after that text (read-output.ts lastText). Never for a task with a jsonSchema: its
 * answer must come as structured output, which the CLI would have asked for again.
 */
function answeredAtCap(exit: ClaudeExit): boolean {
	const final = exit.final;
	return final?.subtype === 'error_max_budget_usd' && final.stop_reason === 'end_turn' && exit.lastText !== null && exit.lastText.trim() !== '' && !exit.timedOut;
}

function errorOf(exit: ClaudeExit, base: {result: string | null; subtype: string | null; apiErrorStatus: number | null}): TaskError | null {
	if (exit.timedOut) {
		return {code: 'timeout', message: `claude ran past the task's timeout and its process group was killed`};
	}

	const final = exit.final;
	if (exit.spawnErrorCode === 'E2BIG') {
		return {code: 'argument_too_large', message: `claude could not be started (${exit.spawnError})`};
	}

	if (exit.spawnErrorCode === 'ESPAWNER') {
		// The worker's spawner helper died before it started this run (spawner.ts): nothing about claude or the task.
		return {code: 'cli_not_started', message: `claude could not be started (${exit.spawnError}); the run is tried again`};
	}

	if (exit.spawnError) {
		return {code: 'cli_not_started', message: `claude could not be started (${exit.spawnError}): check SPOOL_CLAUDE_BIN or claude.bin in spool.yaml, and the task's cwd`};
	}

	if (!final && exit.longLines.lastBytes !== null) {
		const {lastBytes, limit} = exit.longLines;
		return {
			code: 'output_too_large',
			message: `claude's last line of output was ${lastBytes} bytes, over the limit of ${limit} bytes spool reads per line, so no result line could be read; the transcript holds a marker in its place, and running the task again would write it again`,
		};
	}

	if (!final) {
		const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
		const stderr = exit.stderrTail ? `: ${exit.stderrTail.split('\n').slice(-5).join(' | ')}` : '';
		return {code: 'cli_crashed', message: `claude ${how} without writing a result${stderr}`};
	}

	const deferred = final.deferred_tool_use as {name?: unknown} | undefined;
	if (deferred || final.terminal_reason === 'tool_deferred') {
		// spool's hook defers only ask_human, whose run parks the task before this: any other is not spool's to answer.
		return {code: 'claude_error', message: `claude ended the run at a tool call it deferred (${typeof deferred?.name === 'string' ? deferred.name : 'unnamed'}), which spool does not hold for a person: a PreToolUse hook in the worker's settings said defer`};
	}

	if (final.is_error !== true && (base.subtype === 'success' || base.subtype === null)) {
		return null;
	}

	const text = base.result ?? base.subtype ?? 'claude reported an error';
	// A subscription's usage limit, with its reset time or without: the CLI's own sentence says which window.
	if (exit.rateLimitResetsAt !== null || final.api_error === 'usage_limit_reached') {
		return {code: 'rate_limited', message: text};
	}

	if (base.apiErrorStatus !== null) {
		// The CLI's own text often starts "API Error: 500 ..." already: the status is said once.
		const said = text.replace(new RegExp(`^API Error:? ${base.apiErrorStatus}\\b[:\\s]*`, 'i'), '') || text;
		const code = apiErrorCode(base.apiErrorStatus);
		return {code, message: `API error ${base.apiErrorStatus}: ${code === 'auth_failed' ? withoutCliAdvice(said) : said}`};
	}

	if (/not logged in|please run \/login|invalid api key/i.test(text)) {
		return {code: 'auth_failed', message: withoutCliAdvice(text)};
	}

	if (text.startsWith('API Error')) {
		// No HTTP status: the API was never reached (connection refused, reset, DNS).
		return {code: 'api_unreachable', message: text};
	}

	if (base.subtype && base.subtype !== 'success' && isErrorCode(base.subtype)) {
		// error_max_turns, error_max_budget_usd, error_during_execution...; another subtype stays in the result's `subtype`.
		return {code: base.subtype, message: text};
	}

	return {code: 'claude_error', message: text};
}

/**
 * "Not logged in · Please run /login", "Invalid API key · Fix external API key": what follows the dot is
 * advice for the interactive CLI, wrong for a headless run; whoever shows the error says what to run.
 */
function withoutCliAdvice(text: string): string {
	return text.split(' · ')[0]!.trim() || text;
}

function apiErrorCode(status: number): ErrorCode {
	if (status === 401 || status === 403) {
		return 'auth_failed';
	}

	if (status === 429) {
		return 'rate_limited';
	}

	if (status === 529 || status >= 500) {
		return 'api_unavailable';
	}

	return 'api_error';
}

/**
 * The run's cost and tokens: the CLI's own sums from its result line, or, for a run stopped before it
 * wrote one (a timeout, a shutdown, a lost lease, an interrupt during an API call), an estimate from the
 * tokens its stream showed at the model's list price, so the ledger and the budget still see it.
 */
function costOf(exit: ClaudeExit): {costUsd: number; usage: Record<string, unknown> | null; costFromTokens?: true} {
	const final = exit.final;
	if (typeof final?.total_cost_usd === 'number') {
		return {costUsd: final.total_cost_usd, usage: isObject(final.usage) ? final.usage : null};
	}

	if (!exit.streamTokens) {
		return {costUsd: 0, usage: isObject(final?.usage) ? final.usage : null};
	}

	const {input, output, cacheRead, cacheWrite} = exit.streamTokens;
	const usage = {input_tokens: input, output_tokens: output, cache_read_input_tokens: cacheRead, cache_creation_input_tokens: cacheWrite};
	return {costUsd: estimateCostUsd(exit.model, exit.streamTokens), usage, costFromTokens: true};
}
