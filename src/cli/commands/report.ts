import {loadConfig} from '../../config/load.ts';
import {dayOf, isCalendarDate} from '../../ledger/day.ts';
import {writeReport} from '../../report/write.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const reportCommand: Command = {
	usage: 'report [--date D] [--json | --print]',
	summary: "write the day's report, reports/DATE.md and DATE.json: tasks, cost, failures, questions, feedback",
	help: `
Writes reports/DATE.md (markdown that reads rendered on GitHub and as plain text) and reports/DATE.json
(the record it is rendered from), replacing a report of that date, and prints their paths. The day is
today by default; dates are in budget.timezone. The orchestrator writes today's by itself at report.at
(default 18:00), and spool down as it stops the home (docs/report.md).
Options:
  --date D   the report of the date D (YYYY-MM-DD), today or earlier
  --json     print the record instead of the paths
  --print    print the markdown instead of the paths
What runs, waits and is queued, and the subscription windows, are as of now, also for an earlier day.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {date: {type: 'string'}, json: {type: 'boolean'}, print: {type: 'boolean'}});
		if (positionals.length > 0) {
			throw new CliUsageError(`takes no arguments, got "${positionals.join(' ')}"`);
		}

		if (values.json && values.print) {
			throw new CliUsageError('--json and --print exclude each other: give one');
		}

		if (values.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.date)) {
			throw new CliUsageError(`--date must be a date such as 2026-03-31 (YYYY-MM-DD); got "${values.date}"`);
		}

		if (values.date !== undefined && !isCalendarDate(values.date)) {
			throw new CliUsageError(`--date "${values.date}" is no day of the calendar`);
		}

		const config = loadConfig();
		const now = Date.now();
		const today = dayOf(now, config.budget.timezone);
		if (values.date !== undefined && values.date > today) {
			throw new CliUsageError(`--date ${values.date} is after today (${today} in ${config.budget.timezone}): a report is of a day that has begun`);
		}

		const written = await writeReport(config, {date: values.date ?? today, trigger: 'manual', now});
		if (values.json) {
			console.log(JSON.stringify(written.report, null, 2));
		} else if (values.print) {
			process.stdout.write(written.markdown);
		} else {
			console.log(written.files.md);
			console.log(written.files.json);
		}

		return 0;
	},
};
