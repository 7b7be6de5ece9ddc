import fs from 'node:fs';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import type {Logger} from '../log/logger.ts';
import {parseEntryName} from '../lifecycle/names.ts';
import {resumeWaiting, sweepWaiting} from '../lifecycle/index.ts';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty, readJsonFile, readRegularFile} from '../queue/read-file.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';
import {validateTask, type Task} from '../queue/task-schema.ts';
import {answerQuestion, archiveQuestionFiles, expireQuestion} from './answer.ts';
import {MAX_ANSWER_BYTES} from './ask-record.ts';
import {ensureQuestionFile} from './park-task.ts';

/** An answer.md unchanged for this long is whole: an editor or `echo >` that is still writing it is not read half-way. */
const ANSWER_SETTLE_MS = 300;

/**
 * The worker loop's look at waiting/W/, once a second: a task answered through its answer.md file is
 * queued again, one whose question waited past ask.timeout ends as ask.onTimeout says, and a move out
 * of waiting/ that a crash cut short is finished. Every loop of the worker looks; the rename that ends a
 * wait (lifecycle/waiting.ts) lets one of them act. Reads a waiting task's file only when it changed.
 */
export class WaitingPoll {
	readonly #config: () => Config;
	readonly #layout: Layout;
	readonly #worker: string;
	readonly #owner: string;
	readonly #logger: Logger;
	readonly #tasks = new Map<string, {mtimeMs: number; task: Task | undefined}>();
	readonly #badAnswers = new Map<string, number>();
	#busy = false;

	constructor(options: {config: () => Config; layout: Layout; worker: string; owner: string; logger: Logger}) {
		this.#config = options.config;
		this.#layout = options.layout;
		this.#worker = options.worker;
		this.#owner = options.owner;
		this.#logger = options.logger;
	}

	/** One look; a look still under way when the next is due makes that one a no-op. */
	async check(now = Date.now()): Promise<void> {
		if (this.#busy) {
			return;
		}

		this.#busy = true;
		try {
			await this.#check(now);
		} catch (error) {
			this.#logger.error({err: error}, 'cannot look at the tasks waiting for an answer');
		} finally {
			this.#busy = false;
		}
	}

	async #check(now: number): Promise<void> {
		const config = this.#config();
		const names = readdirOrEmpty(this.#layout.waiting(this.#worker));
		if (names.some(name => name.startsWith('.out-'))) {
			for (const id of await sweepWaiting(this.#layout, this.#worker, config.queue.lease, now)) {
				archiveQuestionFiles(this.#layout, this.#worker, id); // Queued with its answer: its files go, as answerQuestion would have moved them.
			}
		}

		const seen = new Set<string>();
		for (const name of names) {
			const entry = parseEntryName(name);
			if (entry.kind !== 'task') {
				continue;
			}

			seen.add(entry.id);
			const task = this.#read(entry.id);
			const ref = {worker: this.#worker, id: entry.id};
			if (task?.ask?.answer !== undefined) {
				// Answered, but its queueing was cut short or its name taken: queue it again.
				await resumeWaiting(this.#layout, this.#worker, entry.id, content => content);
				continue;
			}

			const answer = this.#readAnswer(entry.id, now, task?.ask ? Date.parse(task.ask.askedAt) : undefined);
			if (answer !== undefined) {
				const outcome = await answerQuestion(config, ref, answer, 'file').catch((error: unknown) => {
					if (error instanceof SpoolError) {
						this.#logger.error({task: entry.id, file: this.#layout.answerFile(this.#worker, entry.id)}, `the answer file cannot be used: ${error.message}`);
						return undefined;
					}

					throw error;
				});
				if (outcome) {
					this.#logger.info({task: entry.id, outcome: outcome.outcome}, outcome.message);
				}

				continue;
			}

			if (task?.ask && now - Date.parse(task.ask.askedAt) >= config.ask.timeout) {
				const ended = await expireQuestion(config, ref, this.#owner);
				if (ended) {
					this.#logger.warn({task: entry.id, onTimeout: config.ask.onTimeout}, `no answer came within ask.timeout: ${config.ask.onTimeout === 'continue' ? 'the task resumes without one' : 'the task failed with question_unanswered'}`);
				}

				continue;
			}

			if (task) {
				await ensureQuestionFile({layout: this.#layout, config}, this.#worker, entry.id, task).catch((error: unknown) => this.#logger.warn({err: error, task: entry.id}, 'cannot write the question file again'));
			}
		}

		for (const id of this.#tasks.keys()) {
			if (!seen.has(id)) {
				this.#tasks.delete(id);
			}
		}
	}

	/** The waiting task, read again only when its file changed; undefined when it is not a task spool can read. */
	#read(id: string): Task | undefined {
		const file = this.#layout.waitingFile(this.#worker, id);
		const stat = fs.lstatSync(file, {throwIfNoEntry: false});
		const known = this.#tasks.get(id);
		if (!stat) {
			this.#tasks.delete(id); // Answered or ended meanwhile: nothing of it is acted on now.
			return undefined;
		}

		if (known?.mtimeMs === stat.mtimeMs) {
			return known.task;
		}

		const checked = validateTask(readJsonFile(file, TASK_LIMITS.maxBytes));
		const task = checked.ok ? checked.task : undefined;
		this.#tasks.set(id, {mtimeMs: stat.mtimeMs, task});
		return task;
	}

	/**
	 * The text of results/W/ID.answer.md once it is whole and not empty; undefined while there is none. A
	 * file older than the question (written for an earlier one) is no answer to it.
	 */
	#readAnswer(id: string, now: number, askedAtMs: number | undefined): string | undefined {
		const file = this.#layout.answerFile(this.#worker, id);
		const stat = fs.lstatSync(file, {throwIfNoEntry: false});
		if (!stat || now - stat.mtimeMs < ANSWER_SETTLE_MS || this.#badAnswers.get(id) === stat.mtimeMs) {
			return undefined;
		}

		if (askedAtMs !== undefined && stat.mtimeMs < askedAtMs - 1000) {
			this.#badAnswers.set(id, stat.mtimeMs);
			this.#logger.warn({file}, 'the answer file is older than the question it would answer (it was written for an earlier one): it is left as it is; write it again to answer this question');
			return undefined;
		}

		const read = readRegularFile(file, {maxBytes: MAX_ANSWER_BYTES * 4});
		const text = read.kind === 'file' ? read.text : undefined;
		if (text === undefined || text.trim() === '' || Buffer.byteLength(text.trim()) > MAX_ANSWER_BYTES) {
			this.#badAnswers.set(id, stat.mtimeMs); // Said once per version of the file.
			const what = read.kind === 'not-regular' ? `a ${read.entry}, never read` : text === undefined ? `over ${MAX_ANSWER_BYTES} bytes` : text.trim() === '' ? 'blank' : `over ${MAX_ANSWER_BYTES} bytes`;
			this.#logger.error({file}, `the answer file is ${what}: it is left as it is, and the task keeps waiting`);
			return undefined;
		}

		return text;
	}
}
