import type {Logger} from '../log/logger.ts';
import {checkPause, whyPauseEnds, type Pause} from '../queue/pause.ts';

/** How long a loop that cannot write results waits before it claims again. */
const BLOCK_MS = 5000;

/**
 * Whether a loop may claim now, and why not: paused/WORKER.json says so (bad credentials, a rate limit,
 * in every loop of the worker), or this loop found it cannot write results (for BLOCK_MS at a time).
 * Each change is logged once.
 */
export class ClaimGate {
	readonly #home: string;
	readonly #worker: string;
	readonly #authHome: string;
	readonly #logger: Logger;
	#pause: Pause | undefined;
	#blockedUntil = 0;
	#blockedReason: string | undefined;

	constructor(options: {home: string; worker: string; authHome: string; logger: Logger}) {
		this.#home = options.home;
		this.#worker = options.worker;
		this.#authHome = options.authHome;
		this.#logger = options.logger;
	}

	isClosed(): boolean {
		return this.#isPaused() || performance.now() < this.#blockedUntil;
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
