import os from 'node:os';
import {fileURLToPath} from 'node:url';
import {execa, type ResultPromise} from 'execa';
import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import {createLayout} from '../queue/layout.ts';
import {rejectStrayTasks} from './strays.ts';

const SPOOL_BIN = fileURLToPath(new URL('../../bin/spool.js', import.meta.url));
const MAX_RESTART_DELAY_MS = 30_000;

type Child = {name: string; process: ResultPromise; restarts: number};

/**
 * `spool up`: one `spool worker NAME` process per configured worker, restarted when one dies (as
 * docker's `restart: unless-stopped` would), plus the duties no single worker has: rejecting tasks
 * dropped into a folder that names no worker.
 */
export class Supervisor {
	readonly #config: Config;
	readonly #logger: Logger;
	readonly #children = new Map<string, Child>();
	readonly #owner = `up-${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
	#timer: NodeJS.Timeout | undefined;
	#stopping = false;
	#stopPromise: Promise<void> | undefined;

	constructor(config: Config, logger: Logger) {
		this.#config = config;
		this.#logger = logger;
	}

	async start(): Promise<void> {
		for (const name of Object.keys(this.#config.workers)) {
			this.#spawn(name, 0);
		}

		await this.#checkStrays();
		this.#timer = setInterval(() => void this.#checkStrays(), Math.max(this.#config.queue.scanInterval, 1000));
	}

	/** SIGTERM to every worker; resolves when all have exited. Safe to call twice. */
	stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
		this.#stopping = true;
		clearInterval(this.#timer);
		for (const child of this.#children.values()) {
			child.process.kill(signal);
		}

		this.#stopPromise ??= Promise.all([...this.#children.values()].map(child => child.process.catch(() => undefined))).then(() => undefined);
		return this.#stopPromise;
	}

	#spawn(name: string, restarts: number): void {
		const child = execa(process.execPath, [SPOOL_BIN, 'worker', name], {
			env: {SPOOL_HOME: this.#config.home},
			stdio: ['ignore', 'inherit', 'inherit'],
			// Its own process group: a Ctrl-C at the terminal reaches only `up`, which drains the workers once.
			detached: true,
			reject: false,
		});
		this.#children.set(name, {name, process: child, restarts});
		void child.then(result => {
			if (this.#stopping) {
				return;
			}

			const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** restarts);
			this.#logger.error({worker: name, exitCode: result.exitCode, signal: result.signal, restartInMs: delay}, 'worker process exited; restarting it');
			setTimeout(() => {
				if (!this.#stopping) {
					this.#spawn(name, restarts + 1);
				}
			}, delay).unref();
		});
	}

	async #checkStrays(): Promise<void> {
		try {
			await rejectStrayTasks(this.#config, createLayout(this.#config.home), this.#owner, this.#logger);
		} catch (error) {
			this.#logger.error({err: error}, 'checking tasks/ for unknown worker folders failed');
		}
	}
}
