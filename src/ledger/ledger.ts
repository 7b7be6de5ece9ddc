import type {Layout} from '../queue/layout.ts';
import {appendJsonLine} from '../queue/append-line.ts';
import {dayOf} from './day.ts';
import type {LedgerEntry} from './entry.ts';
import {advanceTally, readCachedTally, writeCachedTally, type DayTally} from './tally.ts';

/**
 * The home's cost ledger: one append-only file a day, ledger/DATE.jsonl, in the budget's time zone.
 * Every loop and container appends its runs; readers (budget checks, status) keep a running tally and
 * read only what was appended since, starting from the cached tally a reader left.
 */
export class Ledger {
	readonly #layout: Layout;
	readonly #timezone: string;
	#tally: DayTally | undefined;
	#cachedOffset = 0;

	constructor(layout: Layout, timezone: string) {
		this.#layout = layout;
		this.#timezone = timezone;
	}

	get timezone(): string {
		return this.#timezone;
	}

	dayOf(time: number): string {
		return dayOf(time, this.#timezone);
	}

	/** One line, one write: safe beside every other loop and container of the home. */
	append(entry: LedgerEntry): void {
		appendJsonLine(this.#layout.ledgerFile(this.dayOf(Date.parse(entry.time))), entry);
	}

	/** The day's sums so far (today's by default): a stat and the new lines' bytes, not the whole file. */
	tally(now = Date.now()): DayTally {
		const date = this.dayOf(now);
		if (this.#tally?.date !== date) {
			this.#tally = readCachedTally(this.#layout.ledgerCacheFile(date), date);
			this.#cachedOffset = this.#tally.offset;
		}

		this.#tally = advanceTally(this.#tally, this.#layout.ledgerFile(date));
		const tally = this.#tally;
		const {offset} = tally;
		void writeCachedTally(this.#layout.ledgerCacheFile(date), tally, this.#cachedOffset).then(written => {
			if (written) {
				this.#cachedOffset = Math.max(this.#cachedOffset, offset);
			}
		});
		return tally;
	}
}
