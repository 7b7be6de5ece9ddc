import os from 'node:os';
import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {rejectStrayTasks} from './strays.ts';

/**
 * The one process besides a human that writes task files, and the home of the duties no worker loop
 * has: rejecting tasks dropped into a folder that names no worker.
 */
export class Orchestrator {
	readonly #config: Config;
	readonly #layout: Layout;
	readonly #logger: Logger;
	readonly #owner = `orchestrator-${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
	#timer: NodeJS.Timeout | undefined;
	#closePromise: Promise<void> | undefined;
	#tick: Promise<void> = Promise.resolve();

	constructor(config: Config, logger: Logger) {
		this.#config = config;
		this.#layout = createLayout(config.home);
		this.#logger = logger;
	}

	async start(): Promise<void> {
		await this.#runDuties();
		this.#timer = setInterval(() => {
			this.#tick = this.#runDuties();
		}, Math.max(this.#config.queue.scanInterval, 500));
		this.#logger.info({home: this.#config.home}, 'orchestrator started');
	}

	/** Safe to call twice. */
	close(): Promise<void> {
		this.#closePromise ??= (async () => {
			clearInterval(this.#timer);
			await this.#tick;
			this.#logger.info('orchestrator stopped');
		})();
		return this.#closePromise;
	}

	async #runDuties(): Promise<void> {
		try {
			await rejectStrayTasks(this.#config, this.#layout, this.#owner, this.#logger);
		} catch (error) {
			this.#logger.error({err: error}, 'checking tasks/ for unknown worker folders failed');
		}
	}
}
