import fs from 'node:fs/promises';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {listLoops} from '../queue/loops.ts';
import {expire, renewLease, type Claim} from '../lifecycle/index.ts';
import {sweepTempFiles} from '../lifecycle/sweep-temp.ts';

/** How often a sweep also removes temp files a crashed loop left (the first sweep always does). */
const TEMP_SWEEP_MS = 10 * 60_000;
import type {StopReason} from './run-task.ts';

export type LeaseKeeperOptions = {
	layout: Layout;
	worker: string;
	owner: string;
	/** How long a claim stays valid without a heartbeat (ms). */
	lease: number;
	logger: Logger;
	/** The claims this loop runs now, each with the controller that stops its run. */
	running: () => Iterable<{claim: Claim; controller: AbortController}>;
	isRunning: (claimFile: string) => boolean;
	/** A task an expired claim handed back to tasks/WORKER/: the loop may claim it again. */
	onRequeue: (id: string) => void;
};

/**
 * A loop's side of the leases: a heartbeat every third of the lease touches its claims folder and each
 * running claim (a claim found gone was taken over: its run is stopped), a sweep every half lease
 * hands back the expired claims of dead loops and removes stale temp files, and a check each second
 * hands back at once the claims of a loop whose process is proven gone.
 */
export class LeaseKeeper {
	readonly #options: LeaseKeeperOptions;
	#timers: NodeJS.Timeout[] = [];
	#sweeping = false;
	#resultsSweptAt = Number.NEGATIVE_INFINITY;
	/** A temp file too young to remove was seen: sweep results/ too until it is gone. */
	#debrisWaits = false;
	/** Loops already proven gone: each is swept once for it, not every second. */
	#goneLoops = new Set<string>();

	constructor(options: LeaseKeeperOptions) {
		this.#options = options;
	}

	start(): void {
		const {lease} = this.#options;
		this.#timers.push(
			setInterval(() => void this.#heartbeat(), Math.max(50, Math.floor(lease / 3))),
			setInterval(() => void this.sweep(), Math.max(100, Math.floor(lease / 2))),
			setInterval(() => void this.#takeBackFromGoneLoops(), Math.max(100, Math.min(1000, Math.floor(lease / 2)))),
		);
	}

	stop(): void {
		for (const timer of this.#timers) {
			clearInterval(timer);
		}

		this.#timers = [];
	}

	/** Hands back expired claims and those of loops proven gone; with `temp`, removes stale temp files too. */
	async sweep(options: {temp?: boolean} = {temp: true}): Promise<void> {
		if (this.#sweeping) {
			return;
		}

		this.#sweeping = true;
		const {layout, worker, owner, lease, logger} = this.#options;
		try {
			await expire(layout, worker, owner, lease, {
				isRunning: this.#options.isRunning,
				onError: (name, error) => logger.error({err: error, claim: name}, 'a claim could not be handed back; the sweep goes on'),
				onRequeue: expired => {
					logger.warn(expired, expired.reason === 'loop-gone' ? 'its loop is gone: task handed back to the queue' : 'lease expired: task handed back to the queue');
					this.#options.onRequeue(expired.id);
				},
			});
			if (options.temp) {
				// Listing all of results/ (200,000 names at 100,000 results, 170 ms of CPU) for debris that only
				// costs disk space: at start, then every TEMP_SWEEP_MS, and on each sweep while debris waits to age.
				const results = this.#debrisWaits || performance.now() - this.#resultsSweptAt >= TEMP_SWEEP_MS;
				if (results) {
					this.#resultsSweptAt = performance.now();
				}

				const swept = await sweepTempFiles(layout, worker, lease, {results});
				this.#debrisWaits = swept.young > 0;
			}
		} catch (error) {
			logger.error({err: error}, 'lease sweep failed');
		} finally {
			this.#sweeping = false;
		}
	}

	/**
	 * Once a second, a few small reads: a loop of this machine whose process is newly proven gone (its
	 * owner file) has its claims taken back now rather than on the next sweep. Not the temp files: that
	 * reads all of results/.
	 */
	async #takeBackFromGoneLoops(): Promise<void> {
		const {layout, worker, owner, lease} = this.#options;
		const gone = listLoops(layout, worker, lease).filter(loop => loop.owner !== owner && loop.gone === 'process').map(loop => loop.owner);
		const newlyGone = gone.filter(loop => !this.#goneLoops.has(loop));
		this.#goneLoops = new Set(gone);
		if (newlyGone.length > 0) {
			this.#options.logger.info({loops: newlyGone}, 'a loop of this worker is gone (its process no longer runs): taking its claims back');
			await this.sweep({temp: false});
		}
	}

	async #heartbeat(): Promise<void> {
		const now = new Date();
		const {layout, worker, owner} = this.#options;
		await fs.utimes(layout.claims(worker, owner), now, now).catch(() => undefined);
		for (const {claim, controller} of this.#options.running()) {
			let held = true;
			try {
				held = renewLease(claim, now);
			} catch {
				// A passing error (EIO, EMFILE): the next heartbeat tries again before the lease runs out.
			}

			if (!held) {
				controller.abort('lease-lost' satisfies StopReason);
			}
		}
	}
}
