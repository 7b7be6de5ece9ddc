import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import type {AccountKey} from './account.ts';
import {afterProbe, withObservation, withPause} from './changes.ts';
import {readRateLimitInfo, type RateLimitInfo} from './rate-limit-info.ts';
import {readQuotaRecord, updateQuotaRecord, type QuotaPause, type QuotaRecord} from './state.ts';

/** During a long run its windows are written at most this often, so other loops see them before it ends. */
const LIVE_WRITE_MS = 5000;

/**
 * What one run tells its account's record: the windows of its rate_limit_events (as they come, and the
 * last at its end), that the API answered it (which ends a pause that is over, and gives back the probe
 * at once so the account's other runs start without waiting for this one to end), and, at its end, the
 * pause of a usage-limit rejection. Writes are made one after another, in the order they were asked.
 */
export class QuotaRun {
	readonly isProbe: boolean;
	readonly #layout: Layout;
	readonly #account: AccountKey;
	readonly #worker: string;
	readonly #runId: string;
	readonly #logger: Logger;
	#last: {info: RateLimitInfo; at: number} | undefined;
	#writtenAt = 0;
	#answered = false;
	#holdsProbe: boolean;
	#writes: Promise<unknown> = Promise.resolve();
	/** A change of the record failed since the last finish(). */
	#writeFailed = false;

	constructor(options: {layout: Layout; account: AccountKey; worker: string; runId: string; probe: boolean; logger: Logger}) {
		this.isProbe = options.probe;
		this.#holdsProbe = options.probe;
		this.#layout = options.layout;
		this.#account = options.account;
		this.#worker = options.worker;
		this.#runId = options.runId;
		this.#logger = options.logger;
	}

	/** One stream-json event of the run, as it arrives. Never throws: it runs inside the output reader. */
	observe(event: Record<string, unknown>): void {
		try {
			if (event.type === 'rate_limit_event') {
				const info = readRateLimitInfo(event.rate_limit_info);
				if (info) {
					this.#last = {info, at: Date.now()};
					if (info.status !== 'rejected') {
						this.#answer();
					}

					if (this.#last.at - this.#writtenAt >= LIVE_WRITE_MS) {
						this.#writeObservation();
					}
				}
			} else if (event.type === 'assistant' && !event.error && (event.message as {model?: unknown} | undefined)?.model !== '<synthetic>') {
				// A reply of the API itself (the CLI's own error messages are "<synthetic>"): the API answered.
				this.#answer();
			}
		} catch (error) {
			this.#logger.warn({err: error}, 'cannot read a rate_limit_event of the run');
		}
	}

	/**
	 * The run ended: its last windows, the account's pause when a usage limit rejected it, and the probe
	 * given back. False when the record could not be changed: then the account's pause is not on record,
	 * and the caller must pause the worker itself.
	 */
	async finish(pause: QuotaPause | undefined): Promise<boolean> {
		this.#writeFailed = false;
		const last = this.#last && this.#last.at > this.#writtenAt ? this.#last : undefined;
		if (last || pause || this.#holdsProbe) {
			const holdsProbe = this.#holdsProbe;
			this.#holdsProbe = false;
			this.#enqueue(record => {
				let next = last ? withObservation(record, last.info, last.at, this.#worker) : record;
				next = pause ? withPause(next, pause) : next;
				return holdsProbe ? afterProbe(next, this.#runId, this.#answered, Date.now()) : next;
			});
		}

		await this.#writes;
		return !this.#writeFailed;
	}

	/** For a run that ended without finish() (stopped, or spool failed): the probe goes back. Safe to call twice. */
	async release(): Promise<void> {
		if (this.#holdsProbe) {
			this.#holdsProbe = false;
			this.#enqueue(record => afterProbe(record, this.#runId, this.#answered, Date.now()));
		}

		await this.#writes;
	}

	#answer(): void {
		if (this.#answered) {
			return;
		}

		this.#answered = true;
		// Only a pause that is over ends here; most runs find no pause and write nothing.
		if (this.#holdsProbe || readQuotaRecord(this.#layout, this.#account.key)?.pause) {
			this.#holdsProbe = false;
			this.#enqueue(record => {
				const next = afterProbe(record, this.#runId, true, Date.now());
				if (record.pause && !next.pause) {
					this.#logger.info({account: this.#account.key}, `account ${this.#account.key}: the API answered the first run after its usage limit; every worker of the account may claim again`);
				}

				return next;
			});
		}
	}

	#writeObservation(): void {
		const last = this.#last;
		if (last) {
			this.#writtenAt = last.at;
			this.#enqueue(record => withObservation(record, last.info, last.at, this.#worker));
		}
	}

	#enqueue(change: (record: QuotaRecord) => QuotaRecord): void {
		this.#writes = this.#writes.then(() => updateQuotaRecord(this.#layout, this.#account.key, this.#account.source, change)).catch(error => {
			this.#writeFailed = true;
			this.#logger.error({err: error, account: this.#account.key}, 'cannot update the quota record of the account');
		});
	}
}
