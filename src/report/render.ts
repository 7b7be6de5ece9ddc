import {dayOf} from '../ledger/day.ts';
import {PLANNER} from './day-runs.ts';
import {budgetUsd, clock, percent, plural, table, usd} from './markdown.ts';
import {FAILED_STATES, REPORT_STATES, type Report, type ReportBudget, type ReportCost, type ReportState, type ReportTasks} from './record.ts';
import {renderDeliverables, renderFailures, renderFeedbackApplied, renderFeedbackInvite, renderQuestions, renderQuota, renderRunning, renderSandboxBlocks, renderSlowest, renderViolations} from './render-lists.ts';
import {countByWorker} from './violations.ts';

/** How a state reads in a sentence. */
const STATE_WORDS: Record<ReportState, string> = {
	succeeded: 'succeeded',
	failed: 'failed',
	dead: 'dead',
	rejected: 'rejected',
	canceled: 'canceled',
	running: 'running',
	pending: 'pending',
	delayed: 'delayed',
	waiting: 'waiting for an answer',
	'carried-over': 'carried over',
};

const TRIGGER_WORDS: Record<Report['trigger'], string> = {
	manual: 'by spool report',
	schedule: 'by the orchestrator at report.at',
	down: 'by spool down, as it stopped the home',
};

/** The report's markdown, rendered from its record alone: reports/DATE.md beside reports/DATE.json. */
export function renderReport(report: Report): string {
	const sections = [
		[`# spool report ${report.date}`, '', ...renderHeader(report)],
		['## Workers', '', ...renderWorkers(report)],
		['## Workflows', '', ...renderWorkflows(report)],
		['## Failures', '', ...renderFailures(report)],
		// A record written before refusals were kept has no such section: it renders as it did.
		...(report.policyViolations ? [['## Refused by the policy', '', ...renderViolations(report)]] : []),
		...(report.sandboxBlocks ? [['## Blocked by the sandbox', '', ...renderSandboxBlocks(report)]] : []),
		['## Questions waiting for you', '', ...renderQuestions(report)],
		['## Running and queued', '', ...renderRunning(report)],
		['## Deliverables', '', ...renderDeliverables(report)],
		['## Slowest tasks', '', ...renderSlowest(report)],
		['## Subscription windows', '', ...renderQuota(report)],
		['## Feedback applied', '', ...renderFeedbackApplied(report)],
		...(report.notes.length > 0 ? [['## Notes', '', ...report.notes.map(note => `- ${note}`)]] : []),
		['## Feedback', '', ...renderFeedbackInvite(report)],
	];
	return `${sections.map(lines => lines.join('\n')).join('\n\n')}\n`;
}

function renderHeader(report: Report): string[] {
	const {summary} = report;
	const written = clock(report.writtenAt, report.timezone, report.date);
	const after = dayOf(Date.parse(report.writtenAt), report.timezone) !== report.date;
	const lines = [
		`The day of ${report.date} in ${report.timezone}, written at ${written} ${TRIGGER_WORDS[report.trigger]}.${after ? ' What runs, waits and is queued, and the subscription windows, are as of then.' : ''}`,
		'',
		summary.tasks.total === 0 ? 'No task ran or finished.' : `${plural(summary.tasks.total, 'task')}: ${describeStates(summary.tasks)}.`,
		'',
		`Spent ${usd(summary.cost.costUsd, isEstimated(summary.cost))} in ${plural(summary.cost.runs, 'run')}${describeBudget(summary.budget, "the home's daily budget")}.`,
		...(summary.policyViolations ? ['', describeViolations(report)] : []),
		...(summary.sandboxBlocks ? ['', `spool's sandbox blocked ${plural(summary.sandboxBlocks, 'tool call')}${blockedByWorker(report)}: see Blocked by the sandbox.`] : []),
	];
	const estimates = describeEstimates(summary.cost);
	return estimates ? [...lines, '', estimates] : lines;
}

function blockedByWorker(report: Report): string {
	const byWorker = countByWorker(report.sandboxBlocks ?? []).map(([worker, count]) => `${worker} ${count}`);
	return byWorker.length > 0 ? ` (${byWorker.join(', ')})` : '';
}

function describeViolations(report: Report): string {
	const byWorker = countByWorker(report.policyViolations ?? []).map(([worker, count]) => `${worker} ${count}`);
	return `spool's policy refused ${plural(report.summary.policyViolations ?? 0, 'command')}${byWorker.length > 0 ? ` (${byWorker.join(', ')})` : ''}: see Refused by the policy.`;
}

/** "10 succeeded, 2 failed, 1 running", in the order of REPORT_STATES; `short`: the states' own names, for a table cell. */
export function describeStates(tasks: ReportTasks, except: readonly ReportState[] = [], short = false): string {
	return REPORT_STATES.filter(state => tasks.states[state] && !except.includes(state))
		.map(state => `${tasks.states[state]} ${short ? state : STATE_WORDS[state]}`)
		.join(', ');
}

export function isEstimated(cost: ReportCost): boolean {
	return cost.estimatedUsd > 0 || cost.fromTokensUsd > 0;
}

/** What part of the cost is not a bill. */
function describeEstimates(cost: ReportCost): string | undefined {
	const parts = [
		...(cost.estimatedUsd > 0 ? [`${usd(cost.estimatedUsd)} is what subscription runs would cost at list price (an estimate, not a bill)`] : []),
		...(cost.fromTokensUsd > 0 ? [`${usd(cost.fromTokensUsd)} was reckoned from the tokens of runs stopped before claude reported their cost`] : []),
	];
	return parts.length > 0 ? `Costs marked * hold estimates: ${parts.join('; ')}.` : undefined;
}

function describeBudget(budget: ReportBudget, whose: string): string {
	if (budget.dailyUsd === null) {
		return ' (no daily budget is set)';
	}

	const state = budget.state === 'halted' ? ', spent' : budget.state === 'warning' ? ', past its warning line' : '';
	return `, ${percent(budget.spentUsd / budget.dailyUsd)} of ${whose} of ${budgetUsd(budget.dailyUsd)}${state}`;
}

function budgetCell(budget: ReportBudget | null, report: Report): string {
	if (!budget || budget.dailyUsd === null) {
		return '-';
	}

	const since = budget.since ? ` ${clock(budget.since, report.timezone, report.date)}` : '';
	const state = budget.state === 'halted' ? `, halted${since}` : budget.state === 'warning' ? `, warned${since}` : '';
	return `${percent(budget.spentUsd / budget.dailyUsd)} of ${budgetUsd(budget.dailyUsd)}${state}`;
}

function failedCount(tasks: ReportTasks): number {
	return FAILED_STATES.reduce((sum, state) => sum + (tasks.states[state] ?? 0), 0);
}

function otherCell(tasks: ReportTasks): string {
	return describeStates(tasks, ['succeeded', ...FAILED_STATES], true) || '-';
}

function renderWorkers(report: Report): string[] {
	const rows = report.workers.map(row => [
		row.worker,
		String(row.tasks.total),
		String(row.tasks.states.succeeded ?? 0),
		String(failedCount(row.tasks)),
		otherCell(row.tasks),
		String(row.cost.runs),
		usd(row.cost.costUsd, isEstimated(row.cost)),
		budgetCell(row.budget, report),
	]);
	const lines = table(['worker', 'tasks', 'succeeded', 'failed', 'other', 'runs', 'cost', 'budget'], rows, [1, 2, 3, 5, 6]);
	const planner = report.workers.some(row => row.worker === PLANNER) ? ` ${PLANNER}: the planner's runs (spool plan, goals/).` : '';
	return [...lines, '', `Failed counts failed, dead and rejected tasks; waiting, tasks that wait for an answer. Runs counts every run that reached claude, retries included.${planner}`];
}

function renderWorkflows(report: Report): string[] {
	if (report.workflows.length === 0) {
		return ['No workflow ran.'];
	}

	const rows = report.workflows.map(row => [
		row.id,
		row.status,
		String(row.tasks.total),
		String(row.tasks.states.succeeded ?? 0),
		String(failedCount(row.tasks)),
		otherCell(row.tasks),
		`${usd(row.cost.costUsd, isEstimated(row.cost))}${row.maxCostUsd === null ? '' : ` of ${budgetUsd(row.maxCostUsd)}`}`,
	]);
	return table(['workflow', 'status', 'tasks', 'succeeded', 'failed', 'other', 'cost'], rows, [2, 3, 4]);
}
