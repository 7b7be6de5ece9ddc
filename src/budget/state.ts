/** Where a budget stands: under its warning line, past it, or spent (no claims until the day ends or it is raised). */
export type BudgetState = 'ok' | 'warning' | 'halted';

/**
 * Below this a run could not make one model call, and no sum in spool.yaml or a task may be smaller: a
 * budget with less than this left is spent (so a run is never started with a cap of nothing).
 */
export const MIN_RUN_USD = 0.0001;

export function budgetState(spentUsd: number, dailyUsd: number | undefined, warnAt: number): BudgetState {
	if (dailyUsd === undefined) {
		return 'ok';
	}

	if (dailyUsd - spentUsd < MIN_RUN_USD) {
		return 'halted';
	}

	return spentUsd >= dailyUsd * warnAt ? 'warning' : 'ok';
}

/** One cap on a run: its value (undefined when not set) and the setting that gives it, as a user finds it in spool.yaml. */
export type CapSource = {usd: number | undefined; from: string};

/** A run's cap, the setting it comes from, and whether what binds it is what is left of a day's budget (not a cap on one run). */
export type RunCap = {usd: number | undefined; byDay: boolean; from: string | null};

/**
 * A run's --max-budget-usd: the least of its caps on one run (the task's maxCostUsd, perTaskUsd) and
 * what is left of the home's and the worker's day. `usd` undefined: no cap at all; 0: nothing is left,
 * the run must not start. Rounded down to 1/10,000 of a dollar, the CLI's own precision in practice.
 * `byDay`: the day's remainder is the least, so a run the CLI stops at its cap was cut by the day, not
 * by its own limit.
 */
export function runCap(perRun: CapSource[], dayLeft: CapSource[]): RunCap {
	const least = (caps: CapSource[]) => caps.filter(cap => cap.usd !== undefined).reduce<CapSource | undefined>((low, cap) => (low === undefined || cap.usd! < low.usd! ? cap : low), undefined);
	const run = least(perRun);
	const day = least(dayLeft);
	const binding = day !== undefined && (run === undefined || day.usd! < run.usd!) ? day : run;
	if (binding === undefined) {
		return {usd: undefined, byDay: false, from: null};
	}

	// The epsilon keeps a cap of $0.29 at 0.29: 0.29 * 10,000 is 2899.9999999999995 in floating point.
	const usd = Math.floor(binding.usd! * 10_000 + 1e-6) / 10_000;
	return {usd: usd < MIN_RUN_USD ? 0 : usd, byDay: binding === day, from: binding.from};
}
