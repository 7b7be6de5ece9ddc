import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {watch, type FSWatcher} from 'chokidar';
import lockfile from 'proper-lockfile';
import type {Config} from '../config/load.ts';
import {LiveConfig} from '../config/live.ts';
import {isErrnoCode, SpoolError} from '../errors.ts';
import type {Logger} from '../log/logger.ts';
import {claim as claimTask, reject as rejectClaim} from '../lifecycle/index.ts';
import {publishPresence} from '../control/presence.ts';
import {ReportSchedule} from '../report/schedule.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {isTaskFileName} from '../lifecycle/names.ts';
import type {ReplyHandler} from '../notify/replies.ts';
import {NotifySender} from '../notify/sender.ts';
import {readTuning} from '../notify/tuning.ts';
import {replyHandlerFor} from './answer-reply.ts';
import {Backoff, describeFailure} from './backoff.ts';
import {GoalPlanner} from './goals.ts';
import {WorkflowRunner} from './runner.ts';
import {createWorkflowLayout, type WorkflowLayout} from './store.ts';

/** A lock not refreshed for this long belongs to a dead orchestrator and is taken over. proper-lockfile's minimum. */
const LOCK_STALE_MS = 5000;

/**
 * The one process besides a human that writes task files. Its duties, each run on every scan: reject
 * tasks dropped into a folder that names no worker, plan the goals of goals/, run the workflows of
 * workflows/ by queueing each task once its dependencies succeeded, and write the day's report at
 * report.at. File events only make the next scan come sooner; the timer scan is the truth. Beside
 * them, while it holds the workflows lock (so one per home), it runs the home's notification sender
 * (notify/sender.ts).
 */
export class Orchestrator {
	readonly #config: Config;
	readonly #layout: Layout;
	readonly #workflowLayout: WorkflowLayout;
	readonly #logger: Logger;
	readonly #owner = `orchestrator-${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
	readonly #workflows: WorkflowRunner;
	readonly #goals: GoalPlanner;
	readonly #reports: ReportSchedule;
	readonly #backoff = new Backoff();
	readonly #notify: NotifySender;
	#watcher: FSWatcher | undefined;
	#timer: NodeJS.Timeout | undefined;
	#release: (() => Promise<void>) | undefined;
	#unpublish: () => void = () => undefined;
	#closePromise: Promise<void> | undefined;
	#tick: Promise<void> | undefined;
	#again = false;

	/** `onReply`: what a Telegram reply to a question does (default: answer-reply.ts). */
	constructor(config: Config, logger: Logger, options: {onReply?: ReplyHandler} = {}) {
		this.#config = config;
		this.#layout = createLayout(config.home);
		this.#workflowLayout = createWorkflowLayout(config.home);
		this.#logger = logger;
		this.#workflows = new WorkflowRunner(config, this.#layout, this.#workflowLayout, logger);
		// One reading of spool.yaml, followed live by the planner (the budget), the report (report.at, the zone) and the sender (notify: a token or webhook changes without a restart).
		const live = new LiveConfig(config, logger);
		this.#goals = new GoalPlanner(config, this.#workflowLayout, logger, live);
		this.#reports = new ReportSchedule({layout: this.#layout, live, logger});
		const onReply = options.onReply ?? replyHandlerFor(() => live.current());
		this.#notify = new NotifySender({live, layout: this.#layout, logger, tuning: readTuning(), onReply, usePolling: config.queue.usePolling});
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

		// The lock's holder, as `spool down` sees it (control/orchestrator.json, queue/loops.ts).
		this.#unpublish = await publishPresence(this.#layout.orchestratorFile);
		if (this.#closePromise) {
			this.#unpublish(); // Stopped meanwhile: close() found nothing to remove yet.
			return;
		}

		this.#notify.start();
		const {goals, workflows} = this.#workflowLayout;
		const watched = [goals, workflows, ...Object.keys(this.#config.workers).map(worker => this.#layout.results(worker))];
		await Promise.all(watched.map(async dir => fs.mkdir(dir, {recursive: true})));
		this.#schedule();
		await this.#tick;
		if (this.#closePromise) {
			return;
		}

		// Never through a symlink: an event is only a hint to scan, and the scan never follows one either.
		this.#watcher = watch(watched, {depth: 0, ignoreInitial: true, followSymlinks: false, usePolling: this.#config.queue.usePolling, interval: 100});
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
			await this.#notify.close();
			// Before the lock goes: no later orchestrator has written the file yet.
			this.#unpublish();
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
		await this.#runDuty('checking tasks/ for unknown worker folders', async () => {
			await rejectStrayTasks(this.#config, this.#layout, this.#owner, this.#logger);
		});
		await this.#runDuty('running workflows', async () => this.#workflows.tick());
		this.#goals.tick();
		await this.#runDuty("writing the day's report", async () => this.#reports.tick());
	}

	/** A duty that throws as a whole waits out a backoff too, logged once per try. */
	async #runDuty(what: string, duty: () => Promise<void>): Promise<void> {
		if (this.#backoff.isWaiting(what, Date.now())) {
			return;
		}

		try {
			await duty();
			this.#backoff.recordSuccess(what);
		} catch (error) {
			const failure = describeFailure(what, error, this.#backoff.recordFailure(what, Date.now()));
			this.#logger.error(failure.fields, failure.message);
		}
	}
}

/**
 * Only one orchestrator may queue a home's workflows, or two would write the same task twice. The lock
 * is a folder whose mtime the holder refreshes; a killed holder's lock goes stale, and a new orchestrator
 * waits for that instead of failing. Resolves with the release function.
 */
async function lockWorkflows(layout: WorkflowLayout, onCompromised: (error: Error) => void): Promise<() => Promise<void>> {
	await fs.mkdir(layout.results, {recursive: true});
	try {
		return await lockfile.lock(layout.results, {
			lockfilePath: layout.lockFile,
			stale: LOCK_STALE_MS,
			update: 1000,
			retries: {retries: Math.ceil((LOCK_STALE_MS * 1.5) / 500), minTimeout: 500, maxTimeout: 500, factor: 1},
			onCompromised,
		});
	} catch (error) {
		if (isErrnoCode(error, 'ELOCKED')) {
			throw new SpoolError('orchestrator_running', `another orchestrator is running in this spool home: it holds ${layout.lockFile}; stop it first`, {cause: error});
		}

		throw error;
	}
}

/**
 * Task files in a folder of tasks/ that names no configured worker would wait forever: they are moved to
 * rejected/FOLDER/ with a result that lists the workers there are.
 */
async function rejectStrayTasks(config: Config, layout: Layout, owner: string, logger: Logger): Promise<number> {
	const entries = await fs.readdir(layout.tasksRoot, {withFileTypes: true}).catch(() => []);
	let rejected = 0;
	for (const entry of entries) {
		if (entry.name.startsWith('.') || config.workers[entry.name]) {
			continue;
		}

		if (!entry.isDirectory()) {
			if (isTaskFileName(entry.name)) {
				logger.warn({file: path.join('tasks', entry.name)}, 'a task file must lie in a worker folder, tasks/WORKER/ID.json; it was left as it is');
			}

			continue;
		}

		const folder = entry.name;
		const names = (await fs.readdir(layout.tasks(folder)).catch(() => [])).filter(name => isTaskFileName(name));
		if (names.length > 0) {
			await fs.mkdir(layout.claims(folder, owner), {recursive: true});
		}

		for (const name of names) {
			try {
				const outcome = await claimTask(layout, folder, owner, name);
				if (outcome.kind === 'gone') {
					continue;
				}

				const message = `no worker named "${folder}" in ${config.file} (workers: ${Object.keys(config.workers).join(', ')})`;
				await rejectClaim(layout, {worker: folder, file: outcome.claim.file, owner, error: {code: 'unknown_worker', message}});
				logger.warn({file: path.join('tasks', folder, name)}, `task rejected: ${message}`);
				rejected++;
			} catch (error) {
				logger.error({err: error, file: path.join('tasks', folder, name)}, 'a task in a folder that names no worker could not be rejected; it is left where it is');
			}
		}

		// Only this orchestrator's own, now empty, folders: a claim left in one is never deleted, nor a worker's
		// that was added to spool.yaml after this process read it.
		for (const dir of [layout.claims(folder, owner), layout.processing(folder)]) {
			await fs.rmdir(dir).catch(() => undefined);
		}
	}

	return rejected;
}
