import {fileURLToPath} from 'node:url';
import {execa, type ResultPromise} from 'execa';
import type {Config} from '../config/load.ts';
import {PARENT_PID_ENV} from '../control/watch-parent.ts';
import type {Logger} from '../log/logger.ts';
import {CREDENTIALS_REPORTED_ENV} from '../queue/credentials.ts';
import {planRestart} from './restart-delay.ts';

const SPOOL_BIN = fileURLToPath(new URL('../../bin/spool.js', import.meta.url));
/** The node flags of bin/spool.js's shebang, which `node SPOOL_BIN` would skip: a small young generation. */
const NODE_FLAGS = ['--max-semi-space-size=8'];

type Child = {name: string; process: ResultPromise};

/**
 * `spool up`: one `spool worker NAME` process per configured worker, one `spool orchestrator` and one
 * `spool ui` (unless spool.yaml says `ui: false`), each restarted when it dies, as docker's `restart: unless-stopped` would.
 */
export class Supervisor {
	readonly #config: Config;
	readonly #logger: Logger;
	readonly #children = new Map<string, Child>();
	readonly #mayRestart: () => boolean;
	readonly #onStoppedAsAsked: (name: string) => void;
	/** Restarts waiting out their back-off; ref'd, so that `up` lives on while every child waits. */
	readonly #restartTimers = new Set<NodeJS.Timeout>();
	#stopping = false;
	#stopPromise: Promise<void> | undefined;

	/**
	 * `mayRestart`: false once the child exited because it was asked to (`spool down`), not by a crash.
	 * `onStoppedAsAsked`: such a child exited; the request concerned up as well, which may not have seen it yet.
	 */
	constructor(config: Config, logger: Logger, options: {mayRestart?: () => boolean; onStoppedAsAsked?: (name: string) => void} = {}) {
		this.#config = config;
		this.#logger = logger;
		this.#mayRestart = options.mayRestart ?? (() => true);
		this.#onStoppedAsAsked = options.onStoppedAsAsked ?? (() => undefined);
	}

	async start(): Promise<void> {
		this.#spawn('orchestrator', ['orchestrator'], 0);
		// The dashboard reads spool.yaml's ui itself (its port and host); ui: false leaves it out.
		if (this.#config.ui !== false) {
			this.#spawn('ui', ['ui'], 0);
		}

		for (const name of Object.keys(this.#config.workers)) {
			this.#spawn(`worker ${name}`, ['worker', name], 0);
		}
	}

	/** `signal` to every child (SIGTERM: drain; a second call's SIGINT: now); resolves when all have exited. Safe to call twice. */
	stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
		this.#stopping = true;
		for (const timer of this.#restartTimers) {
			clearTimeout(timer);
		}

		for (const child of this.#children.values()) {
			child.process.kill(signal);
		}

		this.#stopPromise ??= Promise.all([...this.#children.values()].map(child => child.process.catch(() => undefined))).then(() => undefined);
		return this.#stopPromise;
	}

	/** `streak`: the crashes in a row before this start (restart-delay.ts). */
	#spawn(name: string, args: string[], streak: number): void {
		const startedAt = Date.now();
		const child = execa(process.execPath, [...NODE_FLAGS, SPOOL_BIN, ...args], {
			// `spool up` names the workers without credentials once for all: each worker need not say it again.
			// The child drains itself once this pid is no longer its parent (a kill -9 of `up`).
			env: {SPOOL_HOME: this.#config.home, [CREDENTIALS_REPORTED_ENV]: '1', [PARENT_PID_ENV]: String(process.pid)},
			stdio: ['ignore', 'inherit', 'inherit'],
			// Its own process group: a Ctrl-C at the terminal reaches only `up`, which drains the workers once.
			detached: true,
			// execa's default SIGKILLs a child 5 s after kill(): that cut a worker's drain short and orphaned its
			// claude runs (their own process groups), to be re-run as a second paid attempt. A worker ends its own
			// runs: within queue.drainTimeout, or at once on a second signal.
			forceKillAfterDelay: false,
			reject: false,
		});
		this.#children.set(name, {name, process: child});
		void child.then(result => {
			if (this.#stopping) {
				return;
			}

			if (!this.#mayRestart()) {
				this.#logger.info({process: name, exitCode: result.exitCode}, 'process stopped as asked; not restarting it');
				this.#onStoppedAsAsked(name);
				return;
			}

			const ranMs = Date.now() - startedAt;
			const plan = planRestart(streak, ranMs);
			this.#logger.error({process: name, exitCode: result.exitCode, signal: result.signal, ranMs, restartInMs: plan.delayMs}, 'process exited; restarting it');
			const timer = setTimeout(() => {
				this.#restartTimers.delete(timer);
				if (!this.#stopping && this.#mayRestart()) {
					this.#spawn(name, args, plan.streak);
				}
			}, plan.delayMs);
			this.#restartTimers.add(timer);
		});
	}
}
