import type {Config} from '../config/load.ts';
import {viewBudget, type BudgetView} from '../budget/views.ts';
import {Ledger} from '../ledger/ledger.ts';
import {totalOf} from '../ledger/tally.ts';
import {createLayout} from '../queue/layout.ts';
import {findUnknownFolders, runsToday, snapshotWorker, type RunsToday, type WorkerSnapshot} from '../queue/snapshot.ts';
import {snapshotWorkflows, type WorkflowSnapshot} from '../orchestrator/snapshot.ts';
import {createWorkflowLayout} from '../orchestrator/store.ts';
import {viewNotify, type NotifyView} from '../notify/view.ts';

/** What `spool status --json` prints: the queue from its folders, the day from its ledger, the workflows from their state files. */
export type HomeStatus = {
	home: string;
	/** Today in budget.timezone: the day the runs, costs and budgets below are of. */
	date: string;
	timezone: string;
	/** The home's daily budget today. */
	budget: BudgetView;
	today: RunsToday;
	workers: WorkerSnapshot[];
	unknownFolders: string[];
	workflows: WorkflowSnapshot[];
	/** Notifications: the targets, what waits in outbox/, what failed (docs/notify.md). */
	notify: NotifyView;
};

/** Reads the ledger and small state files only (never every result), so it answers as fast with 100,000 results as with none. */
export async function readHomeStatus(config: Config, now = Date.now()): Promise<HomeStatus> {
	const layout = createLayout(config.home);
	const ledger = new Ledger(layout, config.budget.timezone);
	const tally = ledger.tally(now);
	const workers = await Promise.all(Object.keys(config.workers).map(async name => snapshotWorker(layout, config, name, tally, now)));
	return {
		home: config.home,
		date: tally.date,
		timezone: config.budget.timezone,
		budget: viewBudget(config, layout, tally, {kind: 'home'}, now),
		today: runsToday(totalOf(tally)),
		workers,
		unknownFolders: await findUnknownFolders(layout, Object.keys(config.workers)),
		workflows: snapshotWorkflows(layout, createWorkflowLayout(config.home)),
		notify: viewNotify(config, layout),
	};
}
