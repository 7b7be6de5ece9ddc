import type {LiveConfig} from '../config/live.ts';
import {emitOnce, readOnce} from '../events/events.ts';
import {clockOf, dayOf} from '../ledger/day.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {reportReadyEvent, writeReport} from './write.ts';

/**
 * The date whose report is due at `now`: today's once the clock in `timezone` reads `at` (HH:MM) or
 * later; none before, and none when `at` is null. A day the orchestrator did not run at `at` is
 * written when it starts later that day; a day it did not run at all is not written by itself.
 */
export function reportDueDate(now: number, at: string | null, timezone: string): string | undefined {
	return at !== null && clockOf(now, timezone) >= at ? dayOf(now, timezone) : undefined;
}

/** The once-key of a day's scheduled report (events/.once/KEY.json): a restarted orchestrator does not write it again. */
export function scheduledReportKey(date: string): string {
	return `report-${date}`;
}

/**
 * The orchestrator's report duty: on each scan, writes the day's report once it is due, then tells it
 * with one report_ready event. The once-mark is made only after the files are written, so a crash in
 * between writes the report again on the next start; `spool report` and `spool down` write it besides,
 * and do not count as the scheduled one.
 */
export class ReportSchedule {
	readonly #layout: Layout;
	readonly #live: LiveConfig;
	readonly #logger: Logger;
	/** The last date known to be written: a scan after it costs a clock reading. */
	#done: string | undefined;

	constructor(options: {layout: Layout; live: LiveConfig; logger: Logger}) {
		this.#layout = options.layout;
		this.#live = options.live;
		this.#logger = options.logger;
	}

	async tick(now = Date.now()): Promise<void> {
		const config = this.#live.current();
		const timezone = config.budget.timezone;
		const date = reportDueDate(now, config.report.at, timezone);
		if (date === undefined || date === this.#done) {
			return;
		}

		const key = scheduledReportKey(date);
		if (readOnce(this.#layout, key)) {
			this.#done = date;
			return;
		}

		const written = await writeReport(config, {date, trigger: 'schedule', now});
		emitOnce(this.#layout, timezone, key, reportReadyEvent(config, written, now));
		this.#done = date;
		this.#logger.info({file: written.files.md, date}, `the report of ${date} is written (report.at ${config.report.at} in ${timezone})`);
	}
}
