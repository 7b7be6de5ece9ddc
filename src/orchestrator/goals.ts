import fs from 'node:fs/promises';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {ErrorCode} from '../queue/error-codes.ts';
import type {Logger} from '../log/logger.ts';
import {createLayout} from '../queue/layout.ts';
import {isWorkflowIdTaken, slugify, writeJsonExclusive} from './plan-ids.ts';
import {planWorkflow} from './planner.ts';
import {rejectedResult, writeWorkflowResult} from './summary.ts';
import {hashFiles} from './workflow-files.ts';
import type {WorkflowLayout} from './workflow-layout.ts';
import {archiveRejection, readWorkflowResult} from './workflow-results.ts';

/**
 * The goals duty: a goal dropped as goals/NAME.md (or .txt) is planned into workflows/NAME.plan.json,
 * which then runs like any workflow. A goal whose plan is rejected gets results/workflows/NAME.json with
 * the problems, and is planned again once its file changes. Goal files are never moved or deleted.
 * One goal is planned at a time, beside the other duties.
 */
export class GoalPlanner {
	readonly #config: Config;
	readonly #layout: WorkflowLayout;
	readonly #logger: Logger;
	readonly #controller = new AbortController();
	#busy: Promise<void> | undefined;

	constructor(config: Config, layout: WorkflowLayout, logger: Logger) {
		this.#config = config;
		this.#layout = layout;
		this.#logger = logger;
	}

	/** Starts planning the next waiting goal, unless one is being planned. */
	tick(): void {
		if (this.#busy || this.#controller.signal.aborted) {
			return;
		}

		this.#busy = this.#planNext()
			.catch(error => this.#logger.error({err: error}, 'planning a goal failed; retrying on the next scan'))
			.finally(() => {
				this.#busy = undefined;
			});
	}

	/** Stops a planner run in progress; its goal is planned again on the next start. */
	async close(): Promise<void> {
		this.#controller.abort();
		await this.#busy;
	}

	async #planNext(): Promise<void> {
		const names = (await fs.readdir(this.#layout.goals).catch(() => [])).filter(name => /^[^.].*\.(md|txt)$/.test(name)).sort();
		for (const name of names) {
			const file = path.join(this.#layout.goals, name);
			const id = slugify(name.replace(/\.(md|txt)$/, ''), 60);
			const stat = await fs.stat(file).catch(() => undefined);
			if (!stat || Date.now() - stat.mtimeMs < this.#config.queue.parseGrace || !(await this.#isWaiting(id, file))) {
				continue;
			}

			await this.#plan(id, file);
			return;
		}
	}

	/** True when no workflow uses the id yet, or the goal's plan was rejected and the goal file changed since. */
	async #isWaiting(id: string, file: string): Promise<boolean> {
		if (!(await isWorkflowIdTaken(this.#layout, id))) {
			return true;
		}

		const result = await readWorkflowResult(this.#layout, id);
		const source = path.relative(this.#config.home, file);
		if (result?.status !== 'rejected' || !result.source.includes(source) || result.sourceHash === (await hashFiles([file]))) {
			return false;
		}

		await archiveRejection(this.#layout, id);
		return !(await isWorkflowIdTaken(this.#layout, id));
	}

	async #plan(id: string, file: string): Promise<void> {
		const goal = await fs.readFile(file, 'utf8');
		const source = [path.relative(this.#config.home, file)];
		const reject = async (code: ErrorCode, problems: string[]) => {
			const result = rejectedResult({id, source, sourceHash: await hashFiles([file]), problems, code, goal: goal.trim()});
			await writeWorkflowResult(createLayout(this.#config.home), this.#layout, result);
			this.#logger.warn({goal: source[0], workflow: id, problems}, 'goal rejected');
		};

		if (goal.trim() === '') {
			return reject('invalid_goal', [`${source[0]}: the goal file is empty`]);
		}

		this.#logger.info({goal: source[0], workflow: id}, 'planning a goal');
		const outcome = await planWorkflow(this.#config, {goal, id, signal: this.#controller.signal});
		if (this.#controller.signal.aborted) {
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
