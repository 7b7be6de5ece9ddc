import type {Logger} from '../log/logger.ts';
import {checkPause, whyPauseEnds, type Pause} from '../queue/pause.ts';

/** How long a loop that cannot write results waits before it claims again. */
const BLOCK_MS = 5000;

/** How often a loop says that the start-rate limit holds starts back. */
const START_HELD_LOG_MS = 60_000;

/** Why claiming stops, and when to look again (epoch ms). */
export type Closed = {reason: string; until?: number};

/** One rule about claiming that holds for every loop of the home (the budget, a subscription window). */
export type ClaimCheck = {check(now: number): Closed | undefined};

/** A start-rate limit: a start's token, or when the next one comes (epoch ms). */
export type StartLimit = {take(now: number): {ok: true} | {ok: false; retryAt: number}; giveBack(): void};

/**
 * Whether a loop may claim now, and why not: paused/WORKER.json says so (bad credentials, a rate limit,
 * in every loop of the worker), a rule of the home says so (its `checks`: the budget is spent, a
 * subscription window is at its reserve), or this loop found it cannot write results (for BLOCK_MS at a
 * time). Each change is logged once.
 */
export class ClaimGate {
	readonly #home: string;
	readonly #worker: string;
	readonly #authHome: string;
	readonly #logger: Logger;
	readonly #checks: readonly ClaimCheck[];
	readonly #startLimit: StartLimit | undefined;
	#pause: Pause | undefined;
	#closedBy: string | undefined;
	#blockedUntil = 0;
	#startHeldSaidAt = Number.NEGATIVE_INFINITY;
	#blockedReason: string | undefined;

	constructor(options: {home: string; worker: string; authHome: string; logger: Logger; checks?: ClaimCheck[]; startLimit?: StartLimit}) {
		this.#home = options.home;
		this.#worker = options.worker;
		this.#authHome = options.authHome;
		this.#logger = options.logger;
		this.#checks = options.checks ?? [];
		this.#startLimit = options.startLimit;
	}

	/** Why no claim may be made now, and when to look again; undefined when claiming may go on. */
	closed(now = Date.now()): Closed | undefined {
		if (this.#isPaused()) {
			const until = Date.parse(this.#pause?.until ?? '');
			return {reason: 'paused', ...(Number.isNaN(until) ? {} : {until})};
		}

		if (performance.now() < this.#blockedUntil) {
			return {reason: this.#blockedReason ?? 'blocked'};
		}

		for (const rule of this.#checks) {
			const closed = rule.check(now);
			if (closed) {
				if (closed.reason !== this.#closedBy) {
					this.#logger.warn({worker: this.#worker, until: closed.until && new Date(closed.until).toISOString()}, `claiming stops: ${closed.reason}`);
					this.#closedBy = closed.reason;
				}

				return closed;
			}
		}

		if (this.#closedBy !== undefined) {
			this.#logger.info({worker: this.#worker}, `claiming goes on (it had stopped: ${this.#closedBy})`);
			this.#closedBy = undefined;
		}

		return undefined;
	}

	/** A token of the start-rate limit for one claim, or when to try again (epoch ms). */
	takeStart(now = Date.now()): number | undefined {
		const taken = this.#startLimit?.take(now);
		const retryAt = taken && !taken.ok ? taken.retryAt : undefined;
		if (retryAt !== undefined && now - this.#startHeldSaidAt >= START_HELD_LOG_MS) {
			// Said once a minute at most while it paces starts, not for each start it holds back.
			this.#startHeldSaidAt = now;
			this.#logger.info({worker: this.#worker, retryAt: new Date(retryAt).toISOString()}, 'the start-rate limit (limits.startsPerMinute) holds starts back: tasks wait in tasks/ for their turn');
		}

		return retryAt;
	}

	/** The start token of a claim that found its task gone (another loop was first). */
	giveBackStart(): void {
		this.#startLimit?.giveBack();
	}

	/** Claiming stops for a while; returns when to look again (epoch ms). */
	block(reason: string): number {
		this.#blockedUntil = performance.now() + BLOCK_MS;
		if (reason !== this.#blockedReason) {
			this.#logger.error({retryInMs: BLOCK_MS}, reason);
			this.#blockedReason = reason;
		}

		return Date.now() + BLOCK_MS;
	}

	/** A task finished: whatever blocked the loop is over. */
	unblock(): void {
		if (this.#blockedReason !== undefined) {
			this.#logger.info('results can be written again');
			this.#blockedReason = undefined;
		}
	}

	#isPaused(): boolean {
		const pause = checkPause(this.#home, this.#worker, this.#authHome);
		const previous = this.#pause;
		const changed = pause?.since !== previous?.since || pause?.reason !== previous?.reason;
		if (previous && changed) {
			// Lifted here by its own rule, by another loop of the worker by the same rule, or by hand.
			const why = whyPauseEnds(previous, this.#authHome) ?? `paused/${this.#worker}.json was removed (spool resume ${this.#worker}, or by hand)`;
			this.#logger.info({worker: this.#worker, reason: previous.reason, why}, `pause lifted: worker ${this.#worker} may claim again (${why})`);
		}

		if (pause && changed) {
			this.#logger.warn({worker: this.#worker, pause}, `worker ${this.#worker} is paused (${pause.reason}): it claims nothing until the pause ends`);
		}

		this.#pause = pause;
		return pause !== undefined;
	}
}
