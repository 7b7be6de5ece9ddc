import type {Config} from '../config/load.ts';
import {readOnce} from '../events/events.ts';
import {endOfDay} from '../ledger/day.ts';
import {totalOf, type DayTally} from '../ledger/tally.ts';
import type {Layout} from '../queue/layout.ts';
import {budgetState, type BudgetState} from './state.ts';

/** One budget (the home's, or a worker's) on one day: what `spool status --json` shows as `budget`. */
export type BudgetView = {
	date: string;
	spentUsd: number;
	/** The part of spentUsd that subscription runs reported: a list-price estimate, not a bill. */
	estimatedUsd: number;
	dailyUsd: number | null;
	state: BudgetState;
	/** When the state was first seen (the warning or the halt), by whichever loop saw it first. */
	since: string | null;
	/** When the day ends and the budget starts again (local midnight in budget.timezone). */
	resetsAt: string;
};

export type BudgetScope = {kind: 'home'} | {kind: 'worker'; worker: string};

/** The key under which the warning or halt of a budget is told once (events/.once/KEY.json). */
export function budgetEventKey(date: string, scope: BudgetScope, state: Exclude<BudgetState, 'ok'>, dailyUsd: number): string {
	return `budget-${date}-${scope.kind === 'home' ? 'home' : `worker-${scope.worker}`}-${state}-${dailyUsd}`;
}

export function viewBudget(config: Config, layout: Layout, tally: DayTally, scope: BudgetScope, now = Date.now()): BudgetView {
	const spent = scope.kind === 'home' ? totalOf(tally) : tally.workers[scope.worker];
	const dailyUsd = scope.kind === 'home' ? config.budget.dailyUsd : config.workers[scope.worker]?.dailyUsd;
	const spentUsd = spent?.costUsd ?? 0;
	const state = budgetState(spentUsd, dailyUsd, config.budget.warnAt);
	const since = state === 'ok' || dailyUsd === undefined ? null : (readOnce(layout, budgetEventKey(tally.date, scope, state, dailyUsd))?.time ?? null);
	return {
		date: tally.date,
		spentUsd,
		estimatedUsd: spent?.estimatedUsd ?? 0,
		dailyUsd: dailyUsd ?? null,
		state,
		since,
		resetsAt: new Date(endOfDay(now, config.budget.timezone)).toISOString(),
	};
}

/** What is left of a budget today; undefined when there is none. */
export function leftOf(view: BudgetView): number | undefined {
	return view.dailyUsd === null ? undefined : Math.max(0, view.dailyUsd - view.spentUsd);
}

/** "the home's daily budget of $50 is spent ($50.0123 on 2026-12-01)": the one way a spent budget is said; callers add what waits. */
export function describeSpent(view: BudgetView, whose: string): string {
	return `${whose} daily budget of $${view.dailyUsd} is spent ($${view.spentUsd.toFixed(4)} on ${view.date})`;
}
