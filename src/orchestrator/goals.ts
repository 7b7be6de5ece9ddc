import path from 'node:path';
import type {Config} from '../config/load.ts';
import {LiveConfig} from '../config/live.ts';
import type {ErrorCode} from '../queue/error-codes.ts';
import type {Logger} from '../log/logger.ts';
import {createLayout} from '../queue/layout.ts';
import {Backoff, describeFailure} from './backoff.ts';
import {planWorkflow, slugify} from './planner.ts';
import {changedAtMs, hashFiles, listGoalFiles, readSourceFile} from './sources.ts';
import {archiveRejection, isWorkflowIdTaken, type WorkflowLayout} from './store.ts';
import {writeJsonExclusive} from '../queue/atomic-write.ts';
import {readWorkflowResult, rejectedResult, writeWorkflowResult} from './summary.ts';

/**
 * The goals duty: a goal dropped as goals/NAME.md (or .txt) is planned into workflows/NAME.plan.json,
 * which then runs like any workflow. A goal whose plan is rejected gets results/workflows/NAME.json with
 * the problems, and is planned again once its file changes. Goal files are never moved or deleted, and
 * one that is not a regular file (a symlink, a FIFO) is rejected by name, never opened. One goal is
 * planned at a time, beside the other duties; a goal whose planning throws waits out a backoff.
 */
export class GoalPlanner {
	readonly #config: Config;
	readonly #layout: WorkflowLayout;
	readonly #logger: Logger;
	readonly #controller = new AbortController();
	readonly #backoff = new Backoff();
	#busy: Promise<void> | undefined;
	/** The budget message a waiting goal was last logged with, so a halted day is said once, not on every scan. */
	#budgetWait: string | undefined;
	/** spool.yaml as it is now: a raised (or lowered) budget applies to planning without a restart, as in the loops. */
	readonly #live: LiveConfig;

	/** `live`: the orchestrator's one reading of spool.yaml, shared with its notification sender. */
	constructor(config: Config, layout: WorkflowLayout, logger: Logger, live = new LiveConfig(config, logger)) {
		this.#config = config;
		this.#live = live;
		this.#layout = layout;
		this.#logger = logger;
	}

	/** Starts planning the next waiting goal, unless one is being planned. */
	tick(): void {
		if (this.#busy || this.#controller.signal.aborted) {
			return;
		}

		this.#busy = this.#planNext().finally(() => {
			this.#busy = undefined;
		});
	}

	/** Stops a planner run in progress; its goal is planned again on the next start. */
	async close(): Promise<void> {
		this.#controller.abort();
		await this.#busy;
	}

	async #planNext(): Promise<void> {
		for (const name of listGoalFiles(this.#layout.goals)) {
			const file = path.join(this.#layout.goals, name);
			const id = slugify(name.replace(/\.(md|txt)$/, ''), 60);
			const changedAt = changedAtMs(file);
			const signature = String(changedAt);
			if (changedAt === undefined || Date.now() - changedAt < this.#config.queue.parseGrace || this.#backoff.isWaiting(name, Date.now(), signature)) {
				continue;
			}

			try {
				if (this.#needsPlanning(id, file)) {
					await this.#plan(id, file);
					this.#backoff.recordSuccess(name);
					return;
				}
			} catch (error) {
				const failure = describeFailure('planning a goal', error, this.#backoff.recordFailure(name, Date.now(), signature));
				this.#logger.error({...failure.fields, goal: path.relative(this.#config.home, file)}, failure.message);
			}
		}
	}

	/** True when no workflow uses the id yet, or the goal's plan was rejected and the goal file changed since. */
	#needsPlanning(id: string, file: string): boolean {
		if (!isWorkflowIdTaken(this.#layout, id)) {
			return true;
		}

		const result = readWorkflowResult(this.#layout, id);
		const source = path.relative(this.#config.home, file);
		if (result?.status !== 'rejected' || !result.source.includes(source) || result.sourceHash === hashFiles([file])) {
			return false;
		}

		archiveRejection(this.#layout, id);
		return !isWorkflowIdTaken(this.#layout, id);
	}

	async #plan(id: string, file: string): Promise<void> {
		const source = [path.relative(this.#config.home, file)];
		const read = readSourceFile(file, source[0]!);
		const goal = read.kind === 'text' ? read.text : '';
		const reject = async (code: ErrorCode, problems: string[]) => {
			const result = rejectedResult({id, source, sourceHash: hashFiles([file]), problems, code, ...(read.kind === 'text' ? {goal: goal.trim()} : {})});
			await writeWorkflowResult(createLayout(this.#config.home), this.#layout, result, {timezone: this.#config.budget.timezone, logger: this.#logger});
			this.#logger.warn({goal: source[0], workflow: id, problems}, 'goal rejected');
		};

		if (read.kind === 'gone') {
			return;
		}

		if (read.kind === 'refused') {
			return reject('invalid_goal', [read.problem]);
		}

		if (goal.trim() === '') {
			return reject('invalid_goal', [`${source[0]}: the goal file is empty`]);
		}

		this.#logger.info({goal: source[0], workflow: id}, 'planning a goal');
		// The budget as spool.yaml says now; the workers as this orchestrator knows them (they change with a restart).
		const outcome = await planWorkflow({...this.#config, budget: this.#live.current().budget}, {goal, id, signal: this.#controller.signal});
		if (this.#controller.signal.aborted) {
			return;
		}

		if (!outcome.ok && outcome.error.code === 'budget_spent') {
			// Not the goal's fault: it stays in goals/ and is planned once the budget allows.
			if (this.#budgetWait !== outcome.error.message) {
				this.#logger.warn({goal: source[0], workflow: id}, `goal waits: ${outcome.error.message}`);
				this.#budgetWait = outcome.error.message;
			}

			return;
		}

		if (!outcome.ok) {
			return reject(outcome.error.code, outcome.problems);
		}

		if (await writeJsonExclusive(this.#layout.planFile(id), outcome.workflow)) {
			this.#logger.info({goal: source[0], workflow: id, tasks: outcome.workflow.tasks.length, costUsd: outcome.costUsd}, 'goal planned');
		}
	}
}
