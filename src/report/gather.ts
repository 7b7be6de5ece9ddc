import type {Config} from '../config/load.ts';
import {readOnce} from '../events/events.ts';
import {budgetEventKey, type BudgetScope} from '../budget/views.ts';
import {budgetState} from '../budget/state.ts';
import {dayBounds, dayOf} from '../ledger/day.ts';
import {createWorkflowLayout} from '../orchestrator/store.ts';
import {readQuotaView} from '../quota/view.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {costOf} from '../queue/result.ts';
import {costOfDay, PLANNER, readDayRuns, type DaySum} from './day-runs.ts';
import {collectDayTasks, countTasks, type DayTask} from './day-tasks.ts';
import {describeFeedback} from './feedback.ts';
import {readLiveTasks} from './live-tasks.ts';
import {readOpenQuestions} from './questions.ts';
import {FAILED_STATES, REPORT_VERSION, type Report, type ReportBudget, type ReportTrigger} from './record.ts';
import {listSandboxBlocks, listViolations} from './violations.ts';
import {describeWorkflows, listDeliverables, readDayWorkflowResults} from './workflows.ts';

/** The slowest tasks the report names. */
const SLOWEST = 5;

export type GatherOptions = {date: string; trigger: ReportTrigger; now?: number; env?: NodeJS.ProcessEnv};

/**
 * The day's report as a plain record: the ledger of the day (every run that reached claude), the
 * results that finished that day, and what runs, waits and is queued now. Reads the ledger once, lists
 * results/ with one lstat per file, and parses only the day's results (day-results.ts).
 */
export async function gatherReport(config: Config, options: GatherOptions): Promise<Report> {
	const layout = createLayout(config.home);
	const workflowLayout = createWorkflowLayout(config.home);
	const timezone = config.budget.timezone;
	const now = options.now ?? Date.now();
	const span = dayBounds(options.date, timezone);
	const runs = readDayRuns(layout, options.date);
	const workers = [...new Set([...Object.keys(config.workers), ...[...runs.workers.keys()].filter(worker => worker !== PLANNER)])];
	const live = readLiveTasks(layout, workers);
	const questions = readOpenQuestions(layout, workers);
	const {tasks, unreadable} = await collectDayTasks(layout, workers, {runs, live, questions, span, isToday: dayOf(now, timezone) === options.date, now});
	const finishedWorkflows = readDayWorkflowResults(workflowLayout, span);
	const budget = (scope: BudgetScope, day: DaySum | undefined) => budgetOf(config, layout, options.date, scope, day);
	const policyViolations = listViolations(tasks);
	const sandboxBlocks = listSandboxBlocks(tasks);
	return {
		version: REPORT_VERSION,
		date: options.date,
		timezone,
		from: new Date(span.from).toISOString(),
		until: new Date(span.until).toISOString(),
		writtenAt: new Date(now).toISOString(),
		trigger: options.trigger,
		summary: {tasks: countTasks(tasks), cost: costOfDay(runs.total), budget: budget({kind: 'home'}, runs.total), policyViolations: policyViolations.length, sandboxBlocks: sandboxBlocks.length},
		workers: [...workers, ...(runs.workers.has(PLANNER) ? [PLANNER] : [])].map(worker => ({
			worker,
			tasks: countTasks(tasks.filter(task => task.worker === worker)),
			cost: costOfDay(runs.workers.get(worker)),
			budget: config.workers[worker]?.dailyUsd === undefined ? null : budget({kind: 'worker', worker}, runs.workers.get(worker)),
		})),
		workflows: describeWorkflows(workflowLayout, tasks, runs, finishedWorkflows),
		failures: listFailures(tasks),
		policyViolations,
		sandboxBlocks,
		questions,
		running: live.running,
		queued: [...live.queued.entries()].map(([worker, names]) => ({worker, tasks: names.length})),
		deliverables: listDeliverables(workflowLayout, tasks, finishedWorkflows),
		slowest: tasks
			.filter(task => task.runs)
			.sort((a, b) => b.runs!.durationMs - a.runs!.durationMs)
			.slice(0, SLOWEST)
			.map(task => ({worker: task.worker, id: task.id, durationMs: task.runs!.durationMs, runs: task.runs!.runs, costUsd: task.runs!.costUsd, state: task.state})),
		quota: describeQuota(layout, config, now, options.env),
		feedback: describeFeedback(layout, options.date, tasks, Object.keys(config.workers), config.report.feedbackDays),
		notes: [
			...(runs.badLines > 0 ? [`${runs.badLines} line${runs.badLines === 1 ? '' : 's'} of ledger/${options.date}.jsonl ${runs.badLines === 1 ? 'is' : 'are'} not a run and ${runs.badLines === 1 ? 'was' : 'were'} skipped`] : []),
			...(unreadable > 0 ? [`${unreadable} file${unreadable === 1 ? '' : 's'} in results/ of that day ${unreadable === 1 ? 'is' : 'are'} not a spool result and ${unreadable === 1 ? 'was' : 'were'} skipped`] : []),
		],
	};
}

/** A budget against the day's spend: spool.yaml's dailyUsd as it is now, and when that day's warning or halt was told. */
function budgetOf(config: Config, layout: Layout, date: string, scope: BudgetScope, day: DaySum | undefined): ReportBudget {
	const dailyUsd = scope.kind === 'home' ? config.budget.dailyUsd : config.workers[scope.worker]?.dailyUsd;
	const spentUsd = day?.sum.costUsd ?? 0;
	const state = budgetState(spentUsd, dailyUsd, config.budget.warnAt);
	const since = state === 'ok' || dailyUsd === undefined ? null : (readOnce(layout, budgetEventKey(date, scope, state, dailyUsd))?.time ?? null);
	return {dailyUsd: dailyUsd ?? null, spentUsd, state, since};
}

function listFailures(tasks: readonly DayTask[]): Report['failures'] {
	return tasks
		.filter(task => task.result && (FAILED_STATES as readonly string[]).includes(task.state))
		.map(task => {
			const result = task.result!;
			return {
				worker: task.worker,
				id: task.id,
				status: task.state as (typeof FAILED_STATES)[number],
				code: result.error?.code ?? 'unknown',
				message: result.error?.message ?? '',
				finishedAt: result.finishedAt,
				attempts: result.attempts,
				workflow: task.workflow,
				costUsd: costOf(result),
			};
		})
		.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt));
}

/** Each subscription account that has reported its windows, once, with the workers on it (quota/view.ts). */
function describeQuota(layout: Layout, config: Config, now: number, env: NodeJS.ProcessEnv | undefined): Report['quota'] {
	const accounts = new Map<string, Report['quota'][number]>();
	for (const worker of Object.keys(config.workers)) {
		const view = readQuotaView(layout, config, worker, now, env);
		if (view.updatedAt === null && view.pausedUntil === null) {
			continue; // An API key reports no windows.
		}

		const known = accounts.get(view.account);
		if (known) {
			known.workers.push(worker);
			continue;
		}

		accounts.set(view.account, {
			account: view.account,
			workers: [worker],
			reserve: view.reserve,
			updatedAt: view.updatedAt,
			windows: view.windows.map(({name, utilization, resetsAt, atReserve}) => ({name, utilization, resetsAt, atReserve})),
			pausedUntil: view.pausedUntil,
		});
	}

	return [...accounts.values()];
}
