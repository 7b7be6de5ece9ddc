import fs from 'node:fs';
import {watch, type FSWatcher} from 'chokidar';
import type {LiveConfig} from '../config/live.ts';
import type {NotifyConfig} from '../config/schema.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {entryOutcome, isDue, nextDelivery} from './delivery.ts';
import {listEntryIds, pruneRetired, readEntry, retireEntry, saveEntry, type OutboxEntry} from './entry.ts';
import {QuestionIndex} from './questions.ts';
import {ReplyListener, type ReplyHandler} from './replies.ts';
import {createScrubber, describeError, type Scrubber} from './scrub.ts';
import {targetsOf, type Target} from './targets.ts';
import type {NotifyTuning} from './tuning.ts';

/** sent/ and failed/ are pruned this often. */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * The one sender of a home's outbox, run by the orchestrator while it holds the workflows lock. Each
 * pass takes the entries oldest first and, for each target of notify as spool.yaml says now, makes the
 * attempt that is due, one request at a time, saving the entry after each: a kill -9 repeats at most the
 * one delivery that was under way. A target that failed is not tried for other entries until its
 * back-off is over, so a dead webhook costs one request per back-off step, not one per entry, and holds
 * up no other target. Passes run on file events, on a timer, and never two at once.
 */
export class NotifySender {
	readonly #live: LiveConfig;
	readonly #layout: Layout;
	readonly #logger: Logger;
	readonly #tuning: NotifyTuning;
	readonly #usePolling: boolean;
	readonly #questions = new QuestionIndex();
	readonly #replies: ReplyListener;
	/** Aborts the delivery under way, once a stop has waited closeGraceMs for it. */
	readonly #deliveries = new AbortController();
	readonly #polling = new AbortController();
	/** Per target key: no attempt before this time (epoch ms), after a failure. */
	readonly #gates = new Map<string, number>();
	#watcher: FSWatcher | undefined;
	#timer: NodeJS.Timeout | undefined;
	#pass: Promise<void> | undefined;
	#again = false;
	#listening: Promise<void> | undefined;
	#closePromise: Promise<void> | undefined;
	#prunedAt = 0;

	constructor(options: {live: LiveConfig; layout: Layout; logger: Logger; tuning: NotifyTuning; onReply: ReplyHandler; usePolling?: boolean}) {
		this.#live = options.live;
		this.#layout = options.layout;
		this.#logger = options.logger;
		this.#tuning = options.tuning;
		this.#usePolling = options.usePolling ?? false;
		this.#replies = new ReplyListener({...options, questions: this.#questions});
	}

	start(): void {
		this.#questions.load(this.#layout);
		this.#timer = setInterval(() => this.#schedule(), this.#tuning.scanMs);
		this.#listening = this.#replies.run(this.#polling.signal);
		this.#schedule();
	}

	/** outbox/ and its watcher, made on the first pass with notify set: a home without notify gets no outbox folder. */
	#watchOutbox(): void {
		// Made again each pass: a person may have deleted it.
		fs.mkdirSync(this.#layout.outboxRoot, {recursive: true});
		if (this.#watcher) {
			return;
		}

		this.#watcher = watch(this.#layout.outboxRoot, {depth: 0, ignoreInitial: true, followSymlinks: false, usePolling: this.#usePolling, interval: 100});
		this.#watcher.on('add', () => this.#schedule());
		this.#watcher.on('error', error => this.#logger.warn({error: describeError(error)}, 'outbox watcher error; the timer scan still runs'));
	}

	/** Safe to call twice. Lets the delivery under way finish for closeGraceMs, then cuts it (it is sent again at the next start). */
	close(): Promise<void> {
		this.#closePromise ??= (async () => {
			clearInterval(this.#timer);
			this.#polling.abort();
			const pass = this.#pass;
			if (pass) {
				const timer = setTimeout(() => this.#deliveries.abort(), this.#tuning.closeGraceMs);
				await pass;
				clearTimeout(timer);
			}

			// After the pass: the first pass makes the watcher.
			await this.#watcher?.close();
			await this.#listening;
		})();
		return this.#closePromise;
	}

	#schedule(): void {
		if (this.#closePromise) {
			return;
		}

		if (this.#pass) {
			this.#again = true;
			return;
		}

		this.#pass = this.#runPass()
			.catch(error => this.#logger.error({error: describeError(error)}, 'a pass over the outbox failed; the next one tries again'))
			.finally(() => {
				this.#pass = undefined;
				if (this.#again) {
					this.#again = false;
					this.#schedule();
				}
			});
	}

	async #runPass(): Promise<void> {
		const config = this.#live.current();
		if (!config.notify || this.#closePromise) {
			return; // Entries stay as they are; no producer writes new ones (notify/wants.ts).
		}

		this.#watchOutbox();
		const targets = targetsOf(config.notify, config.home);
		const scrub = createScrubber(config.notify);
		for (const id of listEntryIds(this.#layout.outboxRoot)) {
			if (this.#closePromise) {
				return;
			}

			await this.#deliver(id, config.notify, targets, scrub);
		}

		if (Date.now() - this.#prunedAt > PRUNE_EVERY_MS) {
			this.#prunedAt = Date.now();
			pruneRetired(this.#layout, 'sent', Date.now() - this.#tuning.keepSentMs);
			pruneRetired(this.#layout, 'failed', Date.now() - this.#tuning.keepFailedMs);
		}
	}

	/** Every due attempt of one entry, then its move out of outbox/ once it is done. */
	async #deliver(id: string, notify: NotifyConfig, targets: Target[], scrub: Scrubber): Promise<void> {
		const read = readEntry(this.#layout.outboxFile(id));
		if (read.kind === 'missing') {
			return;
		}

		if (read.kind === 'bad') {
			this.#logger.error({entry: id, problem: read.problem}, 'an outbox entry cannot be read: it moves to outbox/failed/ as it is, unsent');
			await retireEntry(this.#layout, id, 'failed');
			return;
		}

		let entry: OutboxEntry = read.entry;
		if (!notify.events.includes(entry.event.type as NotifyConfig['events'][number])) {
			entry = {...entry, skipped: `its type ${entry.event.type} is not in notify.events`};
			await saveEntry(this.#layout, entry);
			await retireEntry(this.#layout, id, 'sent');
			this.#logger.info({entry: id}, `notification not sent: ${entry.skipped}`);
			return;
		}

		for (const target of targets) {
			const now = Date.now();
			if (!isDue(entry.deliveries[target.key], now) || (this.#gates.get(target.key) ?? 0) > now || this.#closePromise) {
				continue;
			}

			const attempt = this.#attempt(entry, target, scrub);
			const next = await (target.kind === 'telegram' && entry.event.type === 'question' ? this.#questions.track(attempt) : attempt);
			if (!next) {
				return; // Stopped: the delivery stays due, for the next start.
			}

			entry = next;
			const delivery = entry.deliveries[target.key]!;
			const fields = {entry: id, type: entry.event.type, target: target.label, attempts: delivery.attempts};
			if (delivery.state === 'sent') {
				this.#gates.delete(target.key);
				this.#logger.info(fields, 'notification sent');
			} else if (delivery.state === 'retrying') {
				this.#gates.set(target.key, Date.parse(delivery.nextAt));
				this.#logger.warn({...fields, error: delivery.lastError, nextAt: delivery.nextAt}, 'notification not delivered; trying again after a back-off');
			} else {
				this.#logger.error({...fields, error: delivery.lastError}, 'notification given up for this target: it stays in outbox/failed/ and spool status shows it');
			}
		}

		const outcome = entryOutcome(entry, targets.map(target => target.key));
		if (outcome !== 'pending') {
			await retireEntry(this.#layout, id, outcome);
		}
	}

	/** One request to one target, its outcome saved in the entry (and a question's message id noted); undefined when stopped. */
	async #attempt(entry: OutboxEntry, target: Target, scrub: Scrubber): Promise<OutboxEntry | undefined> {
		const outcome = await target.send(entry, {timeoutMs: this.#tuning.timeoutMs, signal: this.#deliveries.signal});
		if (outcome === 'aborted') {
			return undefined;
		}

		const delivery = nextDelivery(entry.deliveries[target.key], outcome.ok ? outcome : {...outcome, error: scrub(outcome.error)}, Date.now(), this.#tuning);
		const next = {...entry, deliveries: {...entry.deliveries, [target.key]: delivery}};
		this.#questions.addEntry(next);
		await saveEntry(this.#layout, next);
		return next;
	}

}

