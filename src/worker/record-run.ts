import {authKindOf, buildLedgerEntry, type RunOutcome} from '../ledger/entry.ts';
import type {Claim} from '../lifecycle/index.ts';
import type {Task} from '../queue/task-schema.ts';
import type {ClaudeExit} from './run-claude.ts';
import type {TaskContext} from './run-task.ts';

/** What the run cost and its tokens, as classifyExit read them (from its result line, or reckoned from its stream). */
export type RunCost = {costUsd: number; usage: Record<string, unknown> | null; costFromTokens?: true};

/**
 * Appends the run's line to the ledger as soon as its outcome is decided, before its result is written:
 * a crash from the CLI's end to here loses at most this one line (docs/budget.md). A claude that never
 * started reached no API and writes none. A ledger that cannot be written costs a log line, not the result.
 * `violations`: how many commands the policy refused in the run, so `spool status` counts them without
 * reading results; `blocked` likewise counts what the sandbox refused.
 */
export function recordRun(context: TaskContext, claim: Claim, task: Pick<Task, 'metadata'>, exit: ClaudeExit, cost: RunCost, outcome: RunOutcome, errorCode: string | null, violations = 0, blocked = 0): void {
	if (exit.spawnError) {
		return;
	}

	const workflow = task.metadata?.workflow;
	const entry = buildLedgerEntry({
		time: new Date().toISOString(),
		worker: claim.worker,
		task: claim.id,
		attempt: claim.attempt,
		runId: claim.runId,
		outcome,
		error: errorCode,
		costUsd: cost.costUsd,
		usage: usageOfRun(exit, cost.usage),
		model: exit.model,
		durationMs: exit.durationMs,
		workflow: typeof workflow === 'string' ? workflow : null,
		auth: authKindOf(exit.apiKeySource),
		sessionId: exit.sessionId,
		...(cost.costFromTokens ? {costFrom: 'tokens' as const} : {}),
		...(violations > 0 ? {violations} : {}),
		...(blocked > 0 ? {blocked} : {}),
	});
	try {
		context.budget.record(entry);
	} catch (error) {
		context.logger.error({err: error, costUsd: entry.costUsd}, 'cannot append the run to the ledger: the budget does not see its cost');
	}
}

/**
 * The run's tokens: the CLI's modelUsage summed over its models where it gave one (its `usage` leaves
 * out a last turn stopped at --max-budget-usd; modelUsage, from which it reckons the cost, does not).
 */
function usageOfRun(exit: ClaudeExit, usage: Record<string, unknown> | null): Record<string, unknown> | null {
	const models = exit.final?.modelUsage;
	if (typeof models !== 'object' || models === null || Object.keys(models).length === 0) {
		return usage;
	}

	const sum = {input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0};
	for (const model of Object.values(models as Record<string, Record<string, unknown>>)) {
		const read = (key: string) => (typeof model?.[key] === 'number' && Number.isFinite(model[key]) ? model[key] : 0);
		sum.input_tokens += read('inputTokens');
		sum.output_tokens += read('outputTokens');
		sum.cache_read_input_tokens += read('cacheReadInputTokens');
		sum.cache_creation_input_tokens += read('cacheCreationInputTokens');
	}

	return sum;
}
