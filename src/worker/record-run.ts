import {authKindOf, buildLedgerEntry, type RunOutcome} from '../ledger/entry.ts';
import type {Claim} from '../lifecycle/index.ts';
import type {Task} from '../queue/task-schema.ts';
import type {ClaudeExit} from './run-claude.ts';
import type {TaskContext} from './run-task.ts';

/** What the run itself reported: its cost and tokens (from its result line, or nothing without one). */
export type RunCost = {costUsd: number; usage: Record<string, unknown> | null; errorCode: string | null; fromTokens: boolean};

/**
 * Appends the run's line to the ledger as soon as its outcome is decided, before its result is written:
 * a crash from the CLI's end to here loses at most this one line (docs/budget.md). A claude that never
 * started reached no API and writes none. A ledger that cannot be written costs a log line, not the result.
 */
export function recordRun(context: TaskContext, claim: Claim, task: Pick<Task, 'metadata'>, exit: ClaudeExit, cost: RunCost, outcome: RunOutcome): void {
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
		error: cost.errorCode,
		costUsd: cost.costUsd,
		usage: cost.usage,
		model: exit.model,
		durationMs: exit.durationMs,
		workflow: typeof workflow === 'string' ? workflow : null,
		auth: authKindOf(exit.apiKeySource),
		sessionId: exit.sessionId,
		...(cost.fromTokens ? {costFrom: 'tokens' as const} : {}),
	});
	try {
		context.budget.record(entry);
	} catch (error) {
		context.logger.error({err: error, costUsd: entry.costUsd}, 'cannot append the run to the ledger: the budget does not see its cost');
	}
}
