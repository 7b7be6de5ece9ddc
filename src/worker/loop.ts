import os from 'node:os';
import {randomBytes} from 'node:crypto';
import {getWorker, type Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import type {Logger} from '../log/logger.ts';
import {CANCEL_CHECK_MS, claim as claimTask, clearCancelRequest, hasCancelRequest, removeLoopFolder, type Claim, type ClaimOutcome} from '../lifecycle/index.ts';
import {taskFileName, taskIdOf} from '../lifecycle/names.ts';
import {watchFolder, type FolderWatcher} from '../queue/folder-watch.ts';
import {createLayout, OWNER_FILE_NAME, type Layout} from '../queue/layout.ts';
import {readdirOrEmpty} from '../queue/read-file.ts';
import {PendingIndex} from '../queue/pending.ts';
import type {BudgetGuard} from '../budget/guard.ts';
import type {QuotaGuard} from '../quota/guard.ts';
import type {ClaimGate} from './claim-gate.ts';
import {createClaimRules} from './claim-rules.ts';
import type {LiveConfig} from '../config/live.ts';
import {stopCanceledRuns} from './cancel-poll.ts';
import {WaitingPoll} from '../ask/waiting-poll.ts';
import {LeaseKeeper} from './lease-keeper.ts';
import {prepareLoop} from './loop-setup.ts';
import {runTask, type StopReason, type TaskEnd} from './run-task.ts';

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
	/** By task id: one run of an id at a time in a loop. */
	readonly #running = new Map<string, Running>();
	readonly #leases: LeaseKeeper;
	#watcher: FolderWatcher | undefined;
	#timers: NodeJS.Timeout[] = [];
	#wakeTimer: NodeJS.Timeout | undefined;
	#pumping = false;
	#pumpAgain = false;
	#closing = false;
	readonly #gate: ClaimGate;
	readonly #budget: BudgetGuard;
	readonly #quota: QuotaGuard;
	readonly #live: LiveConfig;
	readonly #waiting: WaitingPoll;
	#closePromise: Promise<void> | undefined;

	constructor(config: Config, workerName: string, logger: Logger) {
		this.#config = config;
		this.#worker = getWorker(config, workerName);
		this.#layout = createLayout(config.home);
		this.#logger = logger;
		this.#pending = new PendingIndex(this.#layout.tasks(workerName));
		this.owner = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.replace(/[^A-Za-z0-9_-]/g, '_');
		({gate: this.#gate, budget: this.#budget, quota: this.#quota, live: this.#live} = createClaimRules({config, layout: this.#layout, worker: workerName, owner: this.owner, logger}));
		this.#waiting = new WaitingPoll({config: () => this.#live.current(), layout: this.#layout, worker: workerName, owner: this.owner, logger});
		this.#leases = new LeaseKeeper({
			layout: this.#layout,
			worker: workerName,
			owner: this.owner,
			lease: config.queue.lease,
			logger,
			running: () => this.#running.values(),
			isRunning: file => [...this.#running.values()].some(running => running.claim.file === file),
			onRequeue: id => this.#pending.add(taskFileName(id)),
		});
	}

	/** Checks the set-up, scans, starts watching, and claims what is already waiting. */
	async start(): Promise<void> {
		const {name} = this.#worker;
		await prepareLoop({config: this.#config, worker: this.#worker, layout: this.#layout, owner: this.owner, logger: this.#logger});
		await this.#leases.sweep();
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
		this.#timers.push(setInterval(() => void this.#scanAndPump(), this.#config.queue.scanInterval));
		const checkCancelRequests = () => {
			stopCanceledRuns(this.#layout, name, this.#running, this.#logger);
			this.#live.current(); // A change of spool.yaml is read (and a bad one said) within a second, tasks pending or not.
			void this.#waiting.check(); // An answer.md written, a question past ask.timeout.
		};
		this.#timers.push(setInterval(checkCancelRequests, CANCEL_CHECK_MS));
		checkCancelRequests();
		this.#leases.start();
		this.#logger.info({worker: name, owner: this.owner, concurrency: this.#worker.concurrency, pending: this.#pending.size}, 'worker loop started');
		this.#pump();
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
		clearTimeout(this.#wakeTimer);
		await this.#watcher?.close();
		this.#logger.info({running: this.#running.size, drainMs}, 'stopping: no new claims');
		const timer = setTimeout(() => this.abortRunning(), drainMs);
		await Promise.all([...this.#running.values()].map(running => running.done));
		clearTimeout(timer);
		for (const timer of this.#timers) {
			clearInterval(timer);
		}

		this.#leases.stop();

		// Only when no claim is left in it (one whose result could not be written waits for a sweep).
		if (readdirOrEmpty(this.#layout.claims(this.#worker.name, this.owner)).every(name => name === OWNER_FILE_NAME)) {
			removeLoopFolder(this.#layout.claims(this.#worker.name, this.owner));
		}

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
				}
			});
	}

	async #fill(): Promise<void> {
		if (this.#closing || this.#running.size >= this.#worker.concurrency || this.#pending.size === 0) {
			return;
		}

		const closed = this.#gate.closed();
		if (closed) {
			this.#wakeAt(closed.until ?? Number.POSITIVE_INFINITY); // Else the scan timer looks again.
			return;
		}

		let wakeAt = Number.POSITIVE_INFINITY;
		for (const name of this.#pending.names()) {
			if (this.#closing || this.#running.size >= this.#worker.concurrency) {
				return;
			}

			if (this.#running.has(taskIdOf(name))) {
				continue; // The same id dropped again while it runs here: it waits for the run to end (#start pumps then).
			}

			const readiness = this.#pending.readiness(name, this.#config.queue.parseGrace);
			if (readiness.kind === 'wait') {
				wakeAt = Math.min(wakeAt, readiness.until ?? wakeAt);
				continue;
			}

			if (readiness.kind === 'ready') {
				const retryAt = this.#gate.takeStart();
				if (retryAt !== undefined) {
					wakeAt = Math.min(wakeAt, retryAt);
					break; // No start is allowed before then: the rest of the queue waits too.
				}
			}

			this.#pending.delete(name);
			if (readiness.kind === 'ready') {
				const outcome = await claimTask(this.#layout, this.#worker.name, this.owner, name);
				if (outcome.kind === 'gone') {
					this.#gate.giveBackStart();
				} else {
					this.#start(outcome);
				}
			}
		}

		this.#wakeAt(wakeAt);
	}

	/** A retry backoff or an unsettled file ends at `time`: pump then, not only on the next scan. */
	#wakeAt(time: number): void {
		if (Number.isFinite(time)) {
			clearTimeout(this.#wakeTimer);
			// At most an hour: a task delayed by weeks would pass the longest timer Node.js has; the scan timer also wakes it.
			this.#wakeTimer = setTimeout(() => this.#pump(), Math.min(Math.max(0, time - Date.now()) + 5, 3_600_000));
		}
	}

	#start(claimed: Exclude<ClaimOutcome, {kind: 'gone'}>): void {
		const {claim} = claimed;
		const controller = new AbortController();
		if (hasCancelRequest(this.#layout, claim.worker, claim.id)) {
			controller.abort('cancel' satisfies StopReason); // Claimed with a cancel standing: canceled, never run.
		}

		const context = {config: this.#config, worker: this.#worker, layout: this.#layout, logger: this.#logger.child({task: claim.id}), budget: this.#budget, quota: this.#quota, live: this.#live};
		const done = runTask(context, claimed, controller.signal)
			.then(end => {
				if (end.kind === 'blocked') {
					this.#wakeAt(this.#gate.block(end.error.message));
				} else if (end.kind === 'finished') {
					this.#gate.unblock();
					// Canceled, or finished before the cancel reached it: either way no later task of the id is canceled by it.
					clearCancelRequest(this.#layout, claim.worker, claim.id);
				}

				return end;
			})
			.catch(error => {
				// The claim stays where it is; its lease runs out and a sweep hands it back for another attempt.
				this.#logger.error({err: error, task: claim.id}, 'task run failed inside spool; the task stays claimed until its lease expires');
				return undefined;
			})
			.finally(() => {
				this.#running.delete(claim.id);
				this.#pump();
			});
		this.#running.set(claim.id, {claim, controller, done});
	}
}
