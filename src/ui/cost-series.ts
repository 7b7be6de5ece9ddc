import type {Config} from '../config/load.ts';
import {dayOf, endOfDay} from '../ledger/day.ts';
import {readLedgerFile} from '../ledger/read-ledger.ts';
import type {Layout} from '../queue/layout.ts';

/** The day's cost is summed per minute: a point a minute at most, however many runs. */
const BUCKET_MS = 60_000;

/** The longest day (25 h, when the clocks go back) and some: a time this far before a day's end lies in the day before. */
const BEFORE_ANY_DAY_MS = 27 * 3600_000;

export type CostSeries = {
	date: string;
	timezone: string;
	/** The day's span (local midnight to midnight), epoch ms. */
	from: number;
	until: number;
	/** Cumulative cost at the end of each minute that had runs, in time order: [epoch ms, USD]. */
	points: Array<[number, number]>;
	totalUsd: number;
	runs: number;
	dailyUsd: number | null;
};

/**
 * Today's cost over the day, from ledger/DATE.jsonl, for the Overview's chart. The file is read once
 * and then only what was appended since (the ledger is append-only), so the chart costs a stat and a
 * few new lines per change, however busy the day.
 */
export class CostSeriesReader {
	readonly #layout: Layout;
	readonly #config: Config;
	#date = '';
	#offset = 0;
	#runs = 0;
	readonly #byMinute = new Map<number, number>();

	constructor(layout: Layout, config: Config) {
		this.#layout = layout;
		this.#config = config;
	}

	read(now = Date.now()): CostSeries {
		const {timezone, dailyUsd} = this.#config.budget;
		const date = dayOf(now, timezone);
		if (date !== this.#date) {
			this.#date = date;
			this.#offset = 0;
			this.#runs = 0;
			this.#byMinute.clear();
		}

		const read = readLedgerFile(this.#layout.ledgerFile(date), entry => {
			const minute = Math.floor(Date.parse(entry.time) / BUCKET_MS) * BUCKET_MS;
			if (Number.isFinite(minute)) {
				this.#byMinute.set(minute, (this.#byMinute.get(minute) ?? 0) + entry.costUsd);
				this.#runs++;
			}
		}, this.#offset);
		this.#offset = read.offset;

		const until = endOfDay(now, timezone);
		const from = endOfDay(until - BEFORE_ANY_DAY_MS, timezone);
		let total = 0;
		const points = [...this.#byMinute.entries()]
			.sort(([a], [b]) => a - b)
			.map(([minute, usd]): [number, number] => {
				total += usd;
				return [Math.min(minute + BUCKET_MS, until), total];
			});
		return {date, timezone, from, until, points, totalUsd: total, runs: this.#runs, dailyUsd: dailyUsd ?? null};
	}
}
