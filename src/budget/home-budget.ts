import type {Config} from '../config/load.ts';
import {Ledger} from '../ledger/ledger.ts';
import {createLayout} from '../queue/layout.ts';
import {describeSpent, viewBudget, type BudgetView} from './views.ts';

/** The home's budget today, for a process that is not a worker loop (the planner): read from the ledger once. */
export function readHomeBudget(config: Config, now = Date.now()): BudgetView {
	const layout = createLayout(config.home);
	return viewBudget(config, layout, new Ledger(layout, config.budget.timezone).tally(now), {kind: 'home'}, now);
}

/** Why a task queued now for `worker` would wait for the budget, or undefined when it would not: what `spool submit` says. */
export function describeBudgetWait(config: Config, worker: string, now = Date.now()): string | undefined {
	if (config.budget.dailyUsd === undefined && config.workers[worker]?.dailyUsd === undefined) {
		return undefined;
	}

	const layout = createLayout(config.home);
	const tally = new Ledger(layout, config.budget.timezone).tally(now);
	const home = viewBudget(config, layout, tally, {kind: 'home'}, now);
	const own = viewBudget(config, layout, tally, {kind: 'worker', worker}, now);
	const [view, whose, setting] = home.state === 'halted' ? [home, "the home's", 'budget.dailyUsd'] : [own, `worker ${worker}'s`, `workers.${worker}.dailyUsd`];
	return view.state === 'halted' ? `${describeSpent(view, whose)}: the task waits until ${view.resetsAt} (midnight in ${config.budget.timezone}) or until ${setting} in spool.yaml is raised` : undefined;
}
