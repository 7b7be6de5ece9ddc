import fs from 'node:fs/promises';
import os from 'node:os';
import {watch, type FSWatcher} from 'chokidar';
import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {GoalPlanner} from './goals.ts';
import {lockWorkflows} from './lock.ts';
import {rejectStrayTasks} from './strays.ts';
import {createWorkflowLayout, type WorkflowLayout} from './workflow-layout.ts';
import {WorkflowRunner} from './workflows.ts';

/**
 * The one process besides a human that writes task files. Its duties, each run on every scan: reject
 * tasks dropped into a folder that names no worker, plan the goals of goals/, and run the workflows of
 * workflows/ by queueing each task once its dependencies succeeded. File events only make the next
 * scan come sooner; the timer scan is the truth.
 */
export class Orchestrator {
	readonly #config: Config;
	readonly #layout: Layout;
	readonly #workflowLayout: WorkflowLayout;
	readonly #logger: Logger;
	readonly #owner = `orchestrator-${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
	readonly #workflows: WorkflowRunner;
	readonly #goals: GoalPlanner;
	#watcher: FSWatcher | undefined;
	#timer: NodeJS.Timeout | undefined;
	#release: (() => Promise<void>) | undefined;
	#closePromise: Promise<void> | undefined;
	#tick: Promise<void> | undefined;
	#again = false;

	constructor(config: Config, logger: Logger) {
		this.#config = config;
		this.#layout = createLayout(config.home);
		this.#workflowLayout = createWorkflowLayout(config.home);
		this.#logger = logger;
		this.#workflows = new WorkflowRunner(config, this.#layout, this.#workflowLayout, logger);
		this.#goals = new GoalPlanner(config, this.#workflowLayout, logger);
	}

	/** Takes the workflows lock (waiting for a dead orchestrator's lock to go stale), scans, and starts watching. */
	async start(onFatal: (error: Error) => void = error => this.#logger.fatal({err: error}, 'orchestrator failed')): Promise<void> {
		this.#release = await lockWorkflows(this.#workflowLayout, error => {
			this.#logger.fatal({err: error}, 'the workflows lock was lost: stopping so that no task is queued twice');
			void this.close().then(() => onFatal(error));
		});
		if (this.#closePromise) {
			// Stopped while waiting for the lock.
			await this.#release();
			return;
		}

		const {goals, workflows} = this.#workflowLayout;
		const watched = [goals, workflows, ...Object.keys(this.#config.workers).map(worker => this.#layout.results(worker))];
		await Promise.all(watched.map(async dir => fs.mkdir(dir, {recursive: true})));
		this.#schedule();
		await this.#tick;
		if (this.#closePromise) {
			return;
		}

		this.#watcher = watch(watched, {depth: 0, ignoreInitial: true, usePolling: this.#config.queue.usePolling, interval: 100});
		this.#watcher.on('all', () => this.#schedule());
		this.#watcher.on('error', error => this.#logger.warn({err: error}, 'file watcher error; the timer scan still runs'));
		this.#timer = setInterval(() => this.#schedule(), Math.max(this.#config.queue.scanInterval, 200));
		this.#logger.info({home: this.#config.home}, 'orchestrator started');
	}

	/** Safe to call twice. Stops a planner run in progress; its goal is planned again on the next start. */
	close(): Promise<void> {
		this.#closePromise ??= (async () => {
			clearInterval(this.#timer);
			await this.#watcher?.close();
			await this.#goals.close();
			await this.#tick;
			await this.#release?.().catch(() => undefined);
			this.#logger.info('orchestrator stopped');
		})();
		return this.#closePromise;
	}

	/** One scan at a time: an event during a scan runs one more scan after it. */
	#schedule(): void {
		if (this.#closePromise) {
			return;
		}

		if (this.#tick) {
			this.#again = true;
			return;
		}

		this.#tick = this.#runDuties().finally(() => {
			this.#tick = undefined;
			if (this.#again) {
				this.#again = false;
				this.#schedule();
			}
		});
	}

	async #runDuties(): Promise<void> {
		try {
			await rejectStrayTasks(this.#config, this.#layout, this.#owner, this.#logger);
		} catch (error) {
			this.#logger.error({err: error}, 'checking tasks/ for unknown worker folders failed');
		}

		try {
			await this.#workflows.tick();
		} catch (error) {
			this.#logger.error({err: error}, 'running workflows failed');
		}

		this.#goals.tick();
	}
}
