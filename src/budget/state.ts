/** Where a budget stands: under its warning line, past it, or spent (no claims until the day ends or it is raised). */
export type BudgetState = 'ok' | 'warning' | 'halted';

export function budgetState(spentUsd: number, dailyUsd: number | undefined, warnAt: number): BudgetState {
	if (dailyUsd === undefined) {
		return 'ok';
	}

	if (spentUsd >= dailyUsd) {
		return 'halted';
	}

	return spentUsd >= dailyUsd * warnAt ? 'warning' : 'ok';
}

/** Below this a run could not make one model call: a cap this small means no run starts. */
export const MIN_RUN_USD = 0.0001;

/**
 * A run's --max-budget-usd: the least of the task's own cap, the worker's (or the home's) perTaskUsd and
 * what is left of the home's and the worker's day. undefined: no cap at all; 0: nothing is left, the run
 * must not start. Rounded down to 1/10,000 of a dollar, the CLI's own precision in practice.
 */
export function runCap(caps: Array<number | undefined>): number | undefined {
	const known = caps.filter((cap): cap is number => cap !== undefined);
	if (known.length === 0) {
		return undefined;
	}

	const least = Math.floor(Math.min(...known) * 10_000) / 10_000;
	return least < MIN_RUN_USD ? 0 : least;
}
