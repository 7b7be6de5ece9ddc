import {loadConfig} from '../../config/load.ts';
import {datesToRead, MAX_DAYS, reportCost, type CostReport} from '../../control/cost.ts';
import {isCalendarDate} from '../../ledger/day.ts';
import {COST_KEYS, failedRuns, isCostKey, type CostKey} from '../../ledger/group.ts';
import type {RunSum} from '../../ledger/sum.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {formatTable, formatUsd} from '../table.ts';
import type {Command} from './index.ts';

export const costCommand: Command = {
	usage: 'cost [--date D | --days N] [--by KEY] [--json]',
	summary: 'runs, outcomes, dollars and tokens from the ledger, per worker, workflow, model or task',
	help: `
Options:
  --date D    the runs of the date D (YYYY-MM-DD); default today
  --days N    the runs of the last N days, today included
  --by KEY    one row per ${COST_KEYS.join(', ')} (default worker; a task is WORKER/ID)
  --json      the same as JSON
Dates are in budget.timezone of spool.yaml (the machine's zone by default). Every run that reached
claude is in the ledger (ledger/DATE.jsonl), retries and canceled runs too: RUNS counts them all,
FAILED counts failed, dead and retrying runs. On a subscription the CLI's cost is a list-price
estimate, not a bill: such costs are marked *.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {date: {type: 'string'}, days: {type: 'string'}, by: {type: 'string'}, json: {type: 'boolean'}});
		if (positionals.length > 0) {
			throw new CliUsageError(`takes no arguments, got "${positionals.join(' ')}"`);
		}

		if (values.date !== undefined && values.days !== undefined) {
			throw new CliUsageError('--date and --days exclude each other: give one');
		}

		if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date)) {
			throw new CliUsageError(`--date must be a date such as 2026-03-31 (YYYY-MM-DD); got "${values.date}"`);
		}

		if (values.date !== undefined && !isCalendarDate(values.date)) {
			throw new CliUsageError(`--date "${values.date}" is no day of the calendar`);
		}

		const days = values.days === undefined ? undefined : Number(values.days);
		if (days !== undefined && (!/^\d+$/.test(values.days!) || !Number.isSafeInteger(days) || days < 1 || days > MAX_DAYS)) {
			throw new CliUsageError(`--days must be a whole number from 1 to ${MAX_DAYS}; got "${values.days}"`);
		}

		const by = values.by ?? 'worker';
		if (!isCostKey(by)) {
			throw new CliUsageError(`--by must be one of ${COST_KEYS.join(', ')}; got "${by}"`);
		}

		const config = loadConfig();
		const report = reportCost(config, datesToRead({date: values.date, days}, config.budget.timezone), by);
		if (values.json) {
			const {badFiles: _badFiles, ...json} = report;
			console.log(JSON.stringify(json, null, 2));
			return 0;
		}

		console.log(formatReport(report).join('\n'));
		for (const [file, count] of Object.entries(report.badFiles)) {
			console.error(`spool cost: ${count} unreadable ${count === 1 ? 'line' : 'lines'} of ${file} skipped`);
		}

		return 0;
	},
};

const HEADERS: Record<CostKey, string> = {worker: 'WORKER', workflow: 'WORKFLOW', model: 'MODEL', task: 'TASK'};

function formatReport(report: CostReport): string[] {
	const period = report.from === report.to ? report.from : `${report.from} to ${report.to}`;
	const out = [`${period} (${report.timezone})`];
	if (report.total.runs === 0) {
		out.push('no runs in the ledger');
		return out;
	}

	const row = (key: string, sum: RunSum) => [key, String(sum.runs), String(sum.outcomes.succeeded), String(failedRuns(sum)), costCell(sum), ...[sum.usage.input, sum.usage.output, sum.usage.cacheRead, sum.usage.cacheWrite].map(tokens => tokens.toLocaleString('en-US'))];
	out.push(
		...formatTable(
			[HEADERS[report.by], 'RUNS', 'SUCCEEDED', 'FAILED', 'COST', 'INPUT', 'OUTPUT', 'CACHE READ', 'CACHE WRITE'],
			[...report.groups.map(group => row(group.key, group)), row('TOTAL', report.total)],
		),
	);
	if (report.total.estimatedUsd > 0) {
		out.push('', `* ${formatUsd(report.total.estimatedUsd)} of this is a list-price estimate from subscription runs, not a bill`);
	}

	return out;
}

/** A cost that holds a subscription's estimate is marked, so no one reads it as billed. */
function costCell(sum: RunSum): string {
	return `${formatUsd(sum.costUsd)}${sum.estimatedUsd > 0 ? '*' : ''}`;
}
