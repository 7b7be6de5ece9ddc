import type {Config} from '../config/load.ts';
import type {LiveConfig} from '../config/live.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {returnStart, takeStart, type Bucket, type StartTake} from './start-bucket.ts';
import {resolveBucketRule} from './token-bucket.ts';

/** When a loop whose buckets cannot be read or written looks again. */
const ERROR_RETRY_MS = 5000;

const TAKEN: StartTake = {ok: true};

/**
 * The buckets a start of `worker` takes from: the home's (control/starts/home.json) and the worker's
 * own (control/starts/worker-NAME.json, so a worker named "home" has a file of its own), each only when
 * spool.yaml gives it a rate.
 */
export function startBucketsOf(config: Config, layout: Layout, worker: string): Bucket[] {
	const buckets: Bucket[] = [];
	const home = resolveBucketRule(config.limits);
	if (home) {
		buckets.push({file: layout.startsFile('home'), rule: home});
	}

	const own = resolveBucketRule(config.workers[worker]?.limits);
	if (own) {
		buckets.push({file: layout.startsFile(`worker-${worker}`), rule: own});
	}

	return buckets;
}

/**
 * The start-rate limit as one worker loop obeys it (claim-gate.ts's StartLimit). The limits come from
 * spool.yaml as it is now, so a limit set, changed or removed applies within a second; while none is
 * set, a take touches no file. A bucket that cannot be locked, read or written stops starts (a limit
 * that cannot be kept is not lifted), with one log line until it can again.
 */
export class StartLimiter {
	readonly #live: LiveConfig;
	readonly #layout: Layout;
	readonly #worker: string;
	readonly #logger: Logger;
	#failing = false;

	constructor(options: {live: LiveConfig; layout: Layout; worker: string; logger: Logger}) {
		this.#live = options.live;
		this.#layout = options.layout;
		this.#worker = options.worker;
		this.#logger = options.logger;
	}

	/** A token for one start, or when to ask again (epoch ms). The clock is read under the buckets' locks, not taken from the caller. */
	take(): StartTake {
		const buckets = startBucketsOf(this.#live.current(), this.#layout, this.#worker);
		if (buckets.length === 0) {
			return TAKEN;
		}

		try {
			const taken = takeStart(buckets);
			if (this.#failing) {
				this.#logger.info({worker: this.#worker}, 'the start-rate buckets can be used again: starts go on');
				this.#failing = false;
			}

			return taken;
		} catch (error) {
			if (!this.#failing) {
				this.#logger.error({err: error, files: buckets.map(bucket => bucket.file), retryInMs: ERROR_RETRY_MS}, 'cannot take a start from the start-rate buckets: no task starts until they can be used');
				this.#failing = true;
			}

			return {ok: false, retryAt: Date.now() + ERROR_RETRY_MS};
		}
	}

	/** The token of a claim that found its task gone goes back, so a lost claim race costs no start. */
	giveBack(): void {
		const buckets = startBucketsOf(this.#live.current(), this.#layout, this.#worker);
		try {
			returnStart(buckets);
		} catch {
			// Kept: the limit errs on the side of fewer starts.
		}
	}
}
