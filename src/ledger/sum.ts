import {RUN_OUTCOMES, type LedgerEntry, type RunOutcome} from './entry.ts';

/** Runs of the ledger summed: a worker's day for the budget and status, a row of `spool cost`. */
export type RunSum = {
	runs: number;
	/** Every outcome, 0 where none. */
	outcomes: Record<RunOutcome, number>;
	costUsd: number;
	/** The part of costUsd that subscription runs reported: a list-price estimate, not a bill. */
	estimatedUsd: number;
	usage: LedgerEntry['usage'];
	/** Commands spool's policy refused in these runs. */
	violations: number;
	/** Tool calls spool's sandbox refused in these runs. */
	blocked: number;
};

export function emptySum(): RunSum {
	return {runs: 0, outcomes: Object.fromEntries(RUN_OUTCOMES.map(outcome => [outcome, 0])) as Record<RunOutcome, number>, costUsd: 0, estimatedUsd: 0, usage: {input: 0, output: 0, cacheRead: 0, cacheWrite: 0}, violations: 0, blocked: 0};
}

export function addRun(sum: RunSum, entry: LedgerEntry): void {
	sum.runs++;
	sum.outcomes[entry.outcome]++;
	sum.costUsd += entry.costUsd;
	if (entry.auth === 'subscription') {
		sum.estimatedUsd += entry.costUsd;
	}

	sum.violations += entry.violations ?? 0;
	sum.blocked += entry.blocked ?? 0;
	addUsage(sum.usage, entry.usage);
}

/** Adds one sum into another: the home's day from its workers'. */
export function addSum(sum: RunSum, other: RunSum): void {
	sum.runs += other.runs;
	for (const outcome of RUN_OUTCOMES) {
		sum.outcomes[outcome] += other.outcomes[outcome] ?? 0;
	}

	sum.costUsd += other.costUsd;
	sum.estimatedUsd += other.estimatedUsd;
	sum.violations += other.violations;
	sum.blocked += other.blocked;
	addUsage(sum.usage, other.usage);
}

function addUsage(usage: RunSum['usage'], other: RunSum['usage']): void {
	usage.input += other.input;
	usage.output += other.output;
	usage.cacheRead += other.cacheRead;
	usage.cacheWrite += other.cacheWrite;
}
