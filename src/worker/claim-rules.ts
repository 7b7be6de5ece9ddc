import type {Config} from '../config/load.ts';
import {BudgetGuard} from '../budget/guard.ts';
import {LiveConfig} from '../config/live.ts';
import {StartLimiter} from '../limits/start-limit.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {QuotaGuard} from '../quota/guard.ts';
import {ClaimGate} from './claim-gate.ts';

/** What decides whether a loop may claim, and what a run's start needs from it (its cap, its account). */
export type ClaimRules = {gate: ClaimGate; budget: BudgetGuard; quota: QuotaGuard; live: LiveConfig};

/**
 * The rules of the home a loop obeys before each claim, all following spool.yaml as it is now: the daily
 * budget, the subscription account's quota, and the start-rate limit (always in place, as a limit may be
 * set while the loop runs; with none set a take touches no file), besides the worker's pause.
 */
export function createClaimRules(options: {config: Config; layout: Layout; worker: string; owner: string; logger: Logger}): ClaimRules {
	const {config, layout, worker, owner, logger} = options;
	const live = new LiveConfig(config, logger);
	const budget = new BudgetGuard({layout, live, worker, logger});
	const quota = new QuotaGuard({layout, live, worker, owner, logger});
	const startLimit = new StartLimiter({live, layout, worker, logger});
	const gate = new ClaimGate({home: config.home, worker, authHome: layout.authHome(worker), logger, checks: [budget, quota], startLimit});
	return {gate, budget, quota, live};
}
