import fs from 'node:fs/promises';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {expire, renewLease, type Claim} from '../lifecycle/index.ts';
import {sweepTempFiles} from '../lifecycle/sweep-temp.ts';
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
 * running claim (a claim found gone was taken over: its run is stopped), and a sweep every half lease
 * hands back the expired claims of dead loops and removes stale temp files.
 */
export class LeaseKeeper {
	readonly #options: LeaseKeeperOptions;
	#timers: NodeJS.Timeout[] = [];
	#sweeping = false;

	constructor(options: LeaseKeeperOptions) {
		this.#options = options;
	}

	start(): void {
		const {lease} = this.#options;
		this.#timers.push(
			setInterval(() => void this.#heartbeat(), Math.max(50, Math.floor(lease / 3))),
			setInterval(() => void this.sweep(), Math.max(100, Math.floor(lease / 2))),
		);
	}

	stop(): void {
		for (const timer of this.#timers) {
			clearInterval(timer);
		}

		this.#timers = [];
	}

	async sweep(): Promise<void> {
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
					logger.warn(expired, 'lease expired: task handed back to the queue');
					this.#options.onRequeue(expired.id);
				},
			});
			await sweepTempFiles(layout, worker, lease);
		} catch (error) {
			logger.error({err: error}, 'lease sweep failed');
		} finally {
			this.#sweeping = false;
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
