import type {LiveConfig} from '../config/live.ts';
import type {Closed} from '../worker/claim-gate.ts';
import {emitOnce} from '../events/events.ts';
import {Ledger} from '../ledger/ledger.ts';
import type {LedgerEntry} from '../ledger/entry.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import type {Task} from '../queue/task-schema.ts';
import {runCap, type RunCap} from './state.ts';
import {budgetEventKey, describeSpent, leftOf, viewBudget, type BudgetScope, type BudgetView} from './views.ts';

/** How soon a loop that could not read the ledger looks again. */
const LEDGER_RETRY_MS = 5000;


/**
 * The daily budget as one worker loop obeys it. Every check reads the ledger's new lines (a stat when
 * none came), so a run that ended in another loop or container counts at the next claim; the settings
 * come from spool.yaml as it is now, so a raised budget lifts a halt within a second.
 */
export class BudgetGuard {
	readonly #layout: Layout;
	readonly #live: LiveConfig;
	readonly #worker: string;
	readonly #logger: Logger;
	#ledger: Ledger | undefined;
	#readError: string | undefined;

	constructor(options: {layout: Layout; live: LiveConfig; worker: string; logger: Logger}) {
		this.#layout = options.layout;
		this.#live = options.live;
		this.#worker = options.worker;
		this.#logger = options.logger;
	}

	/**
	 * Claiming stops while the home's or this worker's budget for today is spent, and while the ledger
	 * cannot be read (a budget that cannot be kept is not lifted). Without a budget nothing is read.
	 */
	check(now = Date.now()): Closed | undefined {
		if (!this.#hasBudget()) {
			return undefined;
		}

		const views = this.#readViews(now);
		if ('error' in views) {
			return {reason: `the ledger cannot be read (${views.error}), so the daily budget cannot be kept: no task starts until it can`, until: now + LEDGER_RETRY_MS};
		}

		const {home, worker} = views;
		for (const [view, whose] of [[home, "the home's"], [worker, `worker ${this.#worker}'s`]] as const) {
			if (view.state === 'halted') {
				const setting = view === home ? 'budget.dailyUsd' : `workers.${this.#worker}.dailyUsd`;
				const reason = `${describeSpent(view, whose)}: no task starts until ${view.resetsAt} (midnight in ${this.#live.current().budget.timezone}) or until ${setting} in spool.yaml is raised`;
				return {reason, until: Date.parse(view.resetsAt)};
			}
		}

		return undefined;
	}

	/** The --max-budget-usd of a run of `task` starting now (undefined for none, 0 when nothing is left), and whether the day's remainder binds it. */
	capFor(task: Pick<Task, 'maxCostUsd'>, now = Date.now()): RunCap {
		const config = this.#live.current();
		const own = config.workers[this.#worker]?.perTaskUsd;
		const perRun = [
			{usd: task.maxCostUsd, from: "the task's maxCostUsd"},
			own === undefined ? {usd: config.budget.perTaskUsd, from: 'budget.perTaskUsd'} : {usd: own, from: `workers.${this.#worker}.perTaskUsd`},
		];
		if (!this.#hasBudget()) {
			return runCap(perRun, []);
		}

		const views = this.#readViews(now);
		if ('error' in views) {
			return {usd: 0, byDay: true, from: null};
		}

		return runCap(perRun, [
			{usd: leftOf(views.home), from: "what was left of the home's budget.dailyUsd"},
			{usd: leftOf(views.worker), from: `what was left of workers.${this.#worker}.dailyUsd`},
		]);
	}

	/** Appends a run's line, then tells at once (not at the next claim) of a budget it carried past a line. */
	record(entry: LedgerEntry): void {
		this.#ledgerFor(this.#live.current().budget.timezone).append(entry);
		if (this.#hasBudget()) {
			this.#readViews(Date.now());
		}
	}

	#hasBudget(): boolean {
		const config = this.#live.current();
		return config.budget.dailyUsd !== undefined || config.workers[this.#worker]?.dailyUsd !== undefined;
	}

	/** The views, or why the ledger could not be read (said once until it can again). */
	#readViews(now: number): {home: BudgetView; worker: BudgetView} | {error: string} {
		try {
			const views = this.#views(now);
			if (this.#readError !== undefined) {
				this.#logger.info('the ledger can be read again');
				this.#readError = undefined;
			}

			return views;
		} catch (error) {
			const message = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
			if (this.#readError !== message) {
				this.#logger.error({err: error}, `cannot read the ledger (${message}): the daily budget cannot be kept, so no task starts until it can`);
				this.#readError = message;
			}

			return {error: message};
		}
	}

	#views(now: number): {home: BudgetView; worker: BudgetView} {
		const config = this.#live.current();
		const tally = this.#ledgerFor(config.budget.timezone).tally(now);
		const scopes: BudgetScope[] = [{kind: 'home'}, {kind: 'worker', worker: this.#worker}];
		const [home, worker] = scopes.map(scope => {
			const view = viewBudget(config, this.#layout, tally, scope, now);
			this.#announce(scope, view);
			return view;
		}) as [BudgetView, BudgetView];
		return {home, worker};
	}

	/** The warning and the halt of a budget are each logged and sent once, by whichever loop of the home sees them first. */
	#announce(scope: BudgetScope, view: BudgetView): void {
		// A run that carries the spend from under warnAt past 100 % at once is told as the halt alone.
		if (view.state === 'ok' || view.dailyUsd === null || view.since !== null) {
			return;
		}

		const whose = scope.kind === 'home' ? 'the home' : `worker ${scope.worker}`;
		const share = Math.round((view.spentUsd / view.dailyUsd) * 100);
		const message =
			view.state === 'warning'
				? `${whose} has spent $${view.spentUsd.toFixed(4)} of its daily budget of $${view.dailyUsd} today (${share} %)`
				: `${whose} has spent its daily budget of $${view.dailyUsd} ($${view.spentUsd.toFixed(4)} today): no task starts until ${view.resetsAt}; running tasks finish`;
		const time = new Date().toISOString();
		const key = budgetEventKey(view.date, scope, view.state, view.dailyUsd);
		const event = {type: view.state === 'warning' ? ('budget_warning' as const) : ('budget_halted' as const), time, message, scope: scope.kind === 'home' ? 'home' : scope.worker, date: view.date, spentUsd: view.spentUsd, dailyUsd: view.dailyUsd};
		try {
			if (emitOnce(this.#layout, this.#live.current().budget.timezone, key, event)) {
				this.#logger.warn({budget: event}, message);
			}

			view.since = time;
		} catch (error) {
			this.#logger.error({err: error}, `cannot record the budget event (${message})`);
		}
	}

	#ledgerFor(timezone: string): Ledger {
		if (this.#ledger?.timezone !== timezone) {
			this.#ledger = new Ledger(this.#layout, timezone);
		}

		return this.#ledger;
	}
}
