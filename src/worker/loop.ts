import fs from 'node:fs/promises';
import os from 'node:os';
import {randomBytes} from 'node:crypto';
import type {Config} from '../config/load.ts';
import {getWorker} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import {SpoolError} from '../errors.ts';
import type {Logger} from '../log/logger.ts';
import {claimTask, type Claim} from '../queue/claim.ts';
import {watchFolder, type FolderWatcher} from '../queue/folder-watch.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {renewLease, sweepExpiredClaims} from '../queue/lease.ts';
import {PendingIndex} from '../queue/pending.ts';
import {runTask, type StopReason, type TaskEnd} from './run-task.ts';
import {sweepTempFiles} from '../queue/sweep-temp.ts';

type Running = {claim: Claim; controller: AbortController; done: Promise<TaskEnd | undefined>};

/**
 * One worker loop: watches tasks/WORKER/, claims tasks by rename, runs up to `concurrency` claude
 * processes, renews their leases, takes back the expired leases of dead loops, and drains on close().
 */
export class WorkerLoop {
	readonly owner: string;
	readonly #config: Config;
	readonly #worker: Readonly<WorkerConfig>;
	readonly #layout: Layout;
	readonly #logger: Logger;
	readonly #pending: PendingIndex;
	readonly #running = new Map<string, Running>();
	readonly #idleWaiters = new Set<() => void>();
	#watcher: FolderWatcher | undefined;
	#timers: NodeJS.Timeout[] = [];
	#pumping = false;
	#pumpAgain = false;
	#closing = false;
	#closePromise: Promise<void> | undefined;

	constructor(config: Config, workerName: string, logger: Logger) {
		this.#config = config;
		this.#worker = getWorker(config, workerName);
		this.#layout = createLayout(config.home);
		this.#logger = logger;
		this.#pending = new PendingIndex(this.#layout.tasks(workerName));
		this.owner = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.replace(/[^A-Za-z0-9_-]/g, '_');
	}

	get name(): string {
		return this.#worker.name;
	}

	/** Scans, starts watching, and claims what is already waiting. */
	async start(): Promise<void> {
		const {name} = this.#worker;
		await fs.access(this.#worker.prompt).catch(() => {
			throw new SpoolError('prompt_missing', `worker "${name}": its prompt file ${this.#worker.prompt} does not exist`);
		});
		for (const dir of [this.#layout.tasks(name), this.#layout.claims(name, this.owner), this.#layout.results(name)]) {
			await fs.mkdir(dir, {recursive: true});
		}

		await fs.mkdir(this.#layout.authHome(name), {recursive: true, mode: 0o700});
		await sweepTempFiles(this.#layout, name, this.#config.queue.lease);
		await this.#sweep();
		await this.#pending.scan();
		const onChange = (file: string | undefined) => {
			if (file === undefined) {
				void this.#scanAndPump();
			} else {
				this.#pending.add(file);
				this.#pump();
			}
		};
		const onError = (error: Error) => this.#logger.warn({err: error}, 'file watcher error; the timer scan still runs');
		this.#watcher = watchFolder(this.#layout.tasks(name), {usePolling: this.#config.queue.usePolling, interval: 100}, onChange, onError);
		const {lease, scanInterval} = this.#config.queue;
		this.#timers.push(
			setInterval(() => void this.#scanAndPump(), scanInterval),
			setInterval(() => void this.#heartbeat(), Math.max(50, Math.floor(lease / 3))),
			setInterval(() => void this.#sweep(), Math.max(100, Math.floor(lease / 2))),
		);
		this.#logger.info({worker: name, owner: this.owner, concurrency: this.#worker.concurrency, pending: this.#pending.size}, 'worker loop started');
		this.#pump();
	}

	/** Resolves once nothing runs and nothing claimable is waiting. */
	onIdle(): Promise<void> {
		if (this.#isIdle()) {
			return Promise.resolve();
		}

		return new Promise(resolve => this.#idleWaiters.add(resolve));
	}

	/**
	 * Stops claiming at once, gives running tasks `drainMs` to finish, then stops them and hands them back
	 * to the queue. Safe to call twice: the second call shares the first one's promise.
	 */
	close(drainMs = this.#config.queue.drainTimeout): Promise<void> {
		this.#closePromise ??= this.#close(drainMs);
		return this.#closePromise;
	}

	/** Stops every running task now and hands it back (a second Ctrl-C). */
	abortRunning(): void {
		for (const running of this.#running.values()) {
			running.controller.abort('shutdown' satisfies StopReason);
		}
	}

	async #close(drainMs: number): Promise<void> {
		this.#closing = true;
		await this.#watcher?.close();
		this.#logger.info({running: this.#running.size, drainMs}, 'stopping: no new claims');
		const drained = Promise.all([...this.#running.values()].map(running => running.done));
		const timer = setTimeout(() => this.abortRunning(), drainMs);
		await drained;
		clearTimeout(timer);
		for (const timer of this.#timers) {
			clearInterval(timer);
		}

		await fs.rmdir(this.#layout.claims(this.#worker.name, this.owner)).catch(() => undefined);
		this.#logger.info('worker loop stopped');
	}

	async #scanAndPump(): Promise<void> {
		if (this.#closing) {
			return;
		}

		try {
			await this.#pending.scan();
		} catch (error) {
			this.#logger.error({err: error}, 'cannot scan the task folder');
		}

		this.#pump();
	}

	/** Claims while there is room. Re-entrant calls are folded into one more pass. */
	#pump(): void {
		if (this.#pumping) {
			this.#pumpAgain = true;
			return;
		}

		this.#pumping = true;
		void this.#fill()
			.catch(error => this.#logger.error({err: error}, 'claiming failed'))
			.finally(() => {
				this.#pumping = false;
				if (this.#pumpAgain) {
					this.#pumpAgain = false;
					this.#pump();
				} else {
					this.#notifyIdle();
				}
			});
	}

	async #fill(): Promise<void> {
		for (const name of this.#pending.names()) {
			if (this.#closing || this.#running.size >= this.#worker.concurrency) {
				return;
			}

			if (!(await this.#isReady(name))) {
				continue;
			}

			this.#pending.delete(name);
			const outcome = await claimTask(this.#layout, this.#worker.name, this.owner, name);
			if (outcome.kind !== 'gone') {
				this.#start(outcome.claim);
			}
		}
	}

	/** A task file is claimed once it parses, or once it has stayed unparsable for the grace period. */
	async #isReady(name: string): Promise<boolean> {
		const file = `${this.#layout.tasks(this.#worker.name)}/${name}`;
		try {
			const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
			try {
				JSON.parse(text);
				return true;
			} catch {
				return this.#pending.isSettled(name, stat, this.#config.queue.parseGrace);
			}
		} catch {
			this.#pending.delete(name);
			return false;
		}
	}

	#start(claim: Claim): void {
		const controller = new AbortController();
		const context = {config: this.#config, worker: this.#worker, layout: this.#layout, logger: this.#logger.child({task: claim.id})};
		const done = runTask(context, claim, controller.signal)
			.catch(error => {
				// The claim stays where it is; its lease runs out and another attempt picks it up.
				this.#logger.error({err: error, task: claim.id}, 'task run failed inside spool');
				return undefined;
			})
			.finally(() => {
				this.#running.delete(claim.file);
				this.#pump();
			});
		this.#running.set(claim.file, {claim, controller, done});
	}

	async #heartbeat(): Promise<void> {
		const now = new Date();
		await fs.utimes(this.#layout.claims(this.#worker.name, this.owner), now, now).catch(() => undefined);
		for (const running of this.#running.values()) {
			if (!(await renewLease(running.claim, now).catch(() => true))) {
				running.controller.abort('lease-lost' satisfies StopReason);
			}
		}
	}

	async #sweep(): Promise<void> {
		try {
			await sweepExpiredClaims(this.#layout, this.#worker.name, this.owner, this.#config.queue.lease, expired => {
				this.#logger.warn(expired, 'lease expired: task handed back to the queue');
				this.#pending.add(`${expired.id}.json`);
			});
		} catch (error) {
			this.#logger.error({err: error}, 'lease sweep failed');
		}
	}

	#isIdle(): boolean {
		return this.#running.size === 0 && !this.#pumping && this.#pending.size === 0;
	}

	#notifyIdle(): void {
		if (this.#isIdle()) {
			for (const resolve of this.#idleWaiters) {
				resolve();
			}

			this.#idleWaiters.clear();
		}
	}
}
