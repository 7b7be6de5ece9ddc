import path from 'node:path';
import type {Config} from '../config/load.ts';
import {lastDays} from '../ledger/day.ts';
import {createCostGrouping, type CostGroup, type CostKey} from '../ledger/group.ts';
import type {RunSum} from '../ledger/sum.ts';
import {readLedgerFile} from '../ledger/read-ledger.ts';
import {createLayout} from '../queue/layout.ts';

/** What `spool cost` prints, and its --json: the runs of some days, grouped. */
export type CostReport = {
	/** The first and last date read (YYYY-MM-DD, in `timezone`). */
	from: string;
	to: string;
	timezone: string;
	by: CostKey;
	groups: CostGroup[];
	total: RunSum;
	/** Ledger lines that are not a run, skipped. */
	badLines: number;
	/** The ledger files that held such lines, relative to the home, with their counts. */
	badFiles: Record<string, number>;
};

/** The most days one report reads: ten years. */
export const MAX_DAYS = 3660;

/** The dates a report reads, oldest first: one given date, or the last `days` ending today in `timezone`. */
export function datesToRead(choice: {date?: string; days?: number}, timezone: string, now = Date.now()): string[] {
	return choice.date === undefined ? lastDays(now, timezone, choice.days ?? 1) : [choice.date];
}

/** Sums the ledger files of `dates` by `by`, a line at a time. */
export function reportCost(config: Config, dates: readonly string[], by: CostKey): CostReport {
	const layout = createLayout(config.home);
	const grouping = createCostGrouping(by);
	const badFiles: Record<string, number> = {};
	let badLines = 0;
	for (const date of dates) {
		const file = layout.ledgerFile(date);
		const read = readLedgerFile(file, entry => grouping.add(entry));
		if (read.badLines > 0) {
			badLines += read.badLines;
			badFiles[path.relative(config.home, file)] = read.badLines;
		}
	}

	const {groups, total} = grouping.result();
	return {from: dates[0]!, to: dates.at(-1)!, timezone: config.budget.timezone, by, groups, total, badLines, badFiles};
}
