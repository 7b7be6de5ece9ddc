import {setTimeout as sleep} from 'node:timers/promises';
import {loadConfig, type Config} from '../../config/load.ts';
import {parseDuration} from '../../config/duration.ts';
import {locateTasks, readTaskEntry} from '../../control/find.ts';
import {readRun} from '../../control/transcript.ts';
import {createLayout, type Layout} from '../../queue/layout.ts';
import type {WorkflowSnapshot} from '../../orchestrator/snapshot.ts';
import type {BudgetView} from '../../budget/views.ts';
import type {QuotaView} from '../../quota/view.ts';
import type {NotifyView} from '../../notify/view.ts';
import {readHomeStatus, type HomeStatus} from '../../control/status.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {onShutdownSignals} from '../signals.ts';
import {formatSpan, formatTable, formatUsd} from '../table.ts';
import type {Command} from './index.ts';
import {readWaitingTasks} from '../../ask/waiting-tasks.ts';


/** Finished workflows shown in the table; --json has them all. */
const FINISHED_SHOWN = 10;

export const statusCommand: Command = {
	usage: 'status [--json] [--watch]',
	summary: "count pending and running tasks, today's runs, cost and budget per worker, and workflows",
	help: `
LOOPS counts the worker loops that run: heartbeat younger than queue.lease, and, on this machine, a
process that is still there. RUNS to COST count the runs that ended today (in budget.timezone) by what
became of them, from the cost ledger (UNCOUNTED: stopped or handed back with no attempt counted, for a
pause, the day's budget, a shutdown or a lost lease); BUDGET is each worker's own daily budget, and the line below the
table the home's. A "policy:" line counts the commands spool's policy refused today, per worker
(spool report lists them). No result file is read, so status is as quick with 100,000 results as with none:
spool list shows every task, spool cost earlier days. Workflows: running ones first, then the ${FINISHED_SHOWN}
most recently finished; WAITING tasks wait for a dependency, COST includes planning. --json prints
all of it, every workflow included, as one JSON object. --watch redraws in place every second (or
--interval), with each running task's id, run time and current tool call; Ctrl-C ends it.`,
	async run(args) {
		const {values} = parseCommandArgs(args, {json: {type: 'boolean'}, watch: {type: 'boolean'}, interval: {type: 'string'}});
		const intervalMs = parseDuration(values.interval ?? '1s');
		if (intervalMs === undefined || intervalMs < 100) {
			throw new CliUsageError(`--interval must be a duration of at least 100ms such as "2s"; got "${values.interval}"`);
		}

		const config = loadConfig();
		const layout = createLayout(config.home);
		if (values.json) {
			console.log(JSON.stringify(await readHomeStatus(config), null, 2));
			return 0;
		}

		if (!values.watch) {
			console.log(formatStatus(config, layout, await readHomeStatus(config)).join('\n'));
			return 0;
		}

		const stop = new AbortController();
		const removeHandlers = onShutdownSignals(() => stop.abort(), () => stop.abort());
		while (!stop.signal.aborted) {
			const lines = formatStatus(config, layout, await readHomeStatus(config), {running: true});
			// Home, clear to the end: the table is redrawn in place, not scrolled.
			process.stdout.write(`\u001B[H\u001B[2J${new Date().toISOString().slice(11, 19)}  spool status --watch (Ctrl-C to stop)\n\n${lines.join('\n')}\n`);
			await sleep(intervalMs, undefined, {signal: stop.signal}).catch(() => undefined);
		}

		removeHandlers();
		return 0;
	},
};

function formatStatus(config: Config, layout: Layout, status: HomeStatus, options: {running?: boolean} = {}): string[] {
	const {workers, unknownFolders, workflows} = status;
	const header = ['WORKER', 'LOOPS', 'PENDING', 'RUNNING', 'WAITING', 'REJECTED', 'RUNS', 'SUCCEEDED', 'FAILED', 'RETRIED', 'DEAD', 'CANCELED', 'UNCOUNTED', 'COST', 'BUDGET'];
	const out = formatTable(
		header,
		workers.map(w => {
			const {today} = w;
			return [w.worker, w.loops, w.pending, w.running, w.waiting, w.rejected, today.runs, today.succeeded, today.failed, today.retried, today.dead, today.canceled, today.paused + today.stopped, formatUsd(today.costUsd), formatBudget(w.budget)].map(String);
		}),
	);
	out.push(`(RUNS to COST: the runs that ended today, ${status.date} in ${status.timezone}, from ledger/${status.date}.jsonl; spool cost --days N goes further back, spool list shows every task)`);
	out.push('', describeHomeBudget(status));
	if (status.today.estimatedUsd > 0) {
		out.push(`${formatUsd(status.today.estimatedUsd)} of today's cost was reported by subscription runs: a list-price estimate, not a bill`);
	}

	for (const w of workers.filter(w => w.budget.state !== 'ok')) {
		out.push(`worker ${w.worker}: ${describeBudget(w.budget, status.timezone)}`);
	}

	if (status.today.violations > 0) {
		out.push(describeViolations(status));
	}

	if (status.today.blocked > 0) {
		const byWorker = status.workers.filter(w => w.today.blocked > 0).map(w => `${w.worker} ${w.today.blocked}`);
		out.push(`sandbox: ${status.today.blocked} tool call${status.today.blocked === 1 ? '' : 's'} blocked today (${byWorker.join(', ')}); spool report lists them`);
	}

	const questions = workers.filter(w => w.waiting > 0);
	if (questions.length > 0) {
		out.push('', ...formatQuestions(config));
	}

	for (const w of workers.filter(w => w.paused)) {
		out.push('', `${w.worker} is paused (${w.paused})`);
	}

	const quotas = workers.filter(w => w.quota.windows.length > 0 || w.quota.closed);
	if (quotas.length > 0) {
		out.push('', ...quotas.map(w => describeQuota(w.quota)));
	}

	if (unknownFolders.length > 0) {
		out.push('', `folders in tasks/ that name no worker: ${unknownFolders.join(', ')}`);
	}

	const notify = describeNotify(status.notify);
	if (notify.length > 0) {
		out.push('', ...notify);
	}

	if (options.running) {
		out.push('', ...formatRunning(config, layout));
	}

	if (workflows.length > 0) {
		out.push('', ...formatWorkflows(workflows));
	}

	return out;
}

/** Where notifications go, and what has not reached a target: retrying in outbox/, given up in outbox/failed/. */
function describeNotify(view: NotifyView): string[] {
	if (!view.configured && view.pending === 0 && view.failed === 0) {
		return [];
	}

	const where = view.configured ? `to ${view.targets.join(', ')}` : 'notify is not set in spool.yaml';
	const out = [`notifications ${where}: ${view.pending} unsent in outbox/, ${view.failed} failed in outbox/failed/`];
	for (const trouble of view.retrying.filter(trouble => trouble.state === 'retrying')) {
		out.push(`  retrying ${trouble.target}: ${trouble.entry} after ${trouble.attempts} attempts, next at ${trouble.at}: ${trouble.error}`);
	}

	for (const trouble of [...view.retrying.filter(trouble => trouble.state === 'failed'), ...view.lastFailed]) {
		out.push(`  FAILED ${trouble.target}: ${trouble.entry}, given up at ${trouble.at} after ${trouble.attempts} attempts: ${trouble.error}`);
	}

	return out;
}

/** A subscription's windows as the API last reported them (its own figures, not estimates), and why claiming stops. */
function describeQuota(quota: QuotaView): string {
	const windows = quota.windows.map(window => `${window.name} ${Math.round(window.utilization * 100)}% (resets ${window.resetsAt})${window.atReserve ? ' AT RESERVE' : ''}`);
	const shared = quota.sharedWith.length > 0 ? `, shared with ${quota.sharedWith.join(', ')}` : '';
	const seen = quota.updatedAt ? ` as of ${quota.updatedAt}` : '';
	const line = `${quota.worker}: subscription ${windows.join(', ') || 'windows not reported yet'}${seen}; reserve ${quota.reserve}${shared}`;
	return quota.closed ? `${line}\n  claiming stops: ${quota.closed.reason}` : line;
}

/** A budget in the table: "-" without one, else the share spent and the state when it is not ok. */
function formatBudget(view: BudgetView): string {
	if (view.dailyUsd === null) {
		return '-';
	}

	const share = `${Math.round((view.spentUsd / view.dailyUsd) * 100)}% of $${view.dailyUsd}`;
	return view.state === 'ok' ? share : `${share} ${view.state}`;
}

/** "policy: 3 commands refused today (coder 2, reviewer 1)", from the ledger's counts. */
function describeViolations(status: HomeStatus): string {
	const count = status.today.violations;
	const byWorker = status.workers.filter(w => w.today.violations > 0).map(w => `${w.worker} ${w.today.violations}`);
	return `policy: ${count} command${count === 1 ? '' : 's'} refused today (${byWorker.join(', ')}); spool report lists them`;
}

function describeHomeBudget(status: HomeStatus): string {
	const {budget} = status;
	if (budget.dailyUsd === null) {
		return `today: ${formatUsd(budget.spentUsd)} in ${status.today.runs} runs; no daily budget (budget.dailyUsd in spool.yaml)`;
	}

	return `budget: ${describeBudget(budget, status.timezone)}`;
}

function describeBudget(view: BudgetView, timezone: string): string {
	const spent = `${formatUsd(view.spentUsd)} of $${view.dailyUsd} today (${Math.round((view.spentUsd / (view.dailyUsd ?? 1)) * 100)}%)`;
	switch (view.state) {
		case 'ok': {
			return `${spent}, ok`;
		}

		case 'warning': {
			return `${spent}, WARNING: past budget.warnAt${view.since ? ` since ${view.since}` : ''}`;
		}

		case 'halted': {
			return `${spent}, HALTED${view.since ? ` since ${view.since}` : ''}: no task starts until ${view.resetsAt} (midnight in ${timezone}) or until the budget is raised; running tasks finish`;
		}
	}
}

/** Each task that waits for a person's answer: its question, how long it waited, how to answer. */
function formatQuestions(config: Config): string[] {
	const now = Date.now();
	const rows = readWaitingTasks(createLayout(config.home), Object.keys(config.workers)).map(({worker, id, task}) => {
		const question = task.ask.question.replaceAll(/\s+/g, ' ');
		return [`${worker}/${id}`, formatSpan(now - Date.parse(task.ask.askedAt)), question.length > 80 ? `${question.slice(0, 77)}...` : question];
	});
	return [...formatTable(['WAITING', 'FOR', 'QUESTION'], rows), '(answer: spool answer WORKER/ID "..." or write results/WORKER/ID.answer.md; the question in full is in results/WORKER/ID.question.md)'];
}

/** Each running task: its id, attempt, run time and the tool call it is in. */
function formatRunning(config: Config, layout: Layout): string[] {
	const now = Date.now();
	const running = locateTasks(config).filter(location => location.where === 'running').map(location => readTaskEntry(location));
	if (running.length === 0) {
		return ['no task is running'];
	}

	return formatTable(
		['RUNNING', 'ATTEMPT', 'FOR', 'NOW'],
		running.map(entry => {
			const run = readRun(layout, entry);
			return [`${entry.worker}/${entry.id}`, String(entry.attempts ?? '-'), run?.startedAt === undefined ? 'claimed' : formatSpan(now - run.startedAt), run ? (run.tool ?? 'thinking') : ''];
		}),
	);
}

function formatWorkflows(workflows: WorkflowSnapshot[]): string[] {
	const shown = [...workflows.filter(w => w.status === 'running'), ...workflows.filter(w => w.status !== 'running').slice(0, FINISHED_SHOWN)];
	const header = ['WORKFLOW', 'STATUS', 'TASKS', 'SUCCEEDED', 'RUNNING', 'PENDING', 'WAITING', 'FAILED', 'SKIPPED', 'COST'];
	const out = formatTable(
		header,
		shown.map(w => {
			const cost = `$${w.costUsd.toFixed(4)}${w.maxCostUsd === null ? '' : ` of $${w.maxCostUsd}`}`;
			return [w.id, w.status, w.tasks, w.succeeded, w.running, w.pending, w.waiting, w.failed, w.skipped, cost].map(String);
		}),
	);
	if (shown.length < workflows.length) {
		out.push(`(${workflows.length - shown.length} older finished workflows: spool status --json lists them)`);
	}

	return out;
}
