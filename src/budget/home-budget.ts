import type {Config} from '../config/load.ts';
import {Ledger} from '../ledger/ledger.ts';
import {createLayout} from '../queue/layout.ts';
import {viewBudget, type BudgetView} from './views.ts';

/** The home's budget today, for a process that is not a worker loop (the planner): read from the ledger once. */
export function readHomeBudget(config: Config, now = Date.now()): BudgetView {
	const layout = createLayout(config.home);
	return viewBudget(config, layout, new Ledger(layout, config.budget.timezone).tally(now), {kind: 'home'}, now);
}
