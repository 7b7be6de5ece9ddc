import fs from 'node:fs';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {advanceWorkflow, type AdvanceContext} from './advance.ts';
import {Backoff, describeFailure} from './backoff.ts';
import {WORKFLOW_ID_PATTERN} from './definition.ts';
import {changedAtMs, hashFiles, listWorkflowFiles, readWorkflowFile} from './sources.ts';
import {createState, listStateIds, readState, writeState} from './state.ts';
import {archiveRejection, type WorkflowLayout} from './store.ts';
import {readWorkflowResult, rejectedResult, summarizeState, writeWorkflowResult} from './summary.ts';
import {validateWorkflow} from './validate.ts';
import {applyWorkflowRequests} from './requests.ts';

/**
 * The workflows duty of the orchestrator: each tick starts the workflow files of workflows/ that have
 * no state yet, rejects the invalid ones, and advances every running workflow by one step. A workflow
 * whose step throws waits out a backoff (backoff.ts) and is logged once per try, never once per scan.
 */
export class WorkflowRunner {
	readonly #context: AdvanceContext;
	/** Finished workflows are not read again; a rejected one is, by the hash of its files. */
	readonly #finished = new Map<string, {rejectedHash?: string}>();
	readonly #backoff = new Backoff();

	constructor(config: Config, layout: Layout, workflowLayout: WorkflowLayout, logger: Logger) {
		this.#context = {config, layout, workflowLayout, logger, missingSince: new Map()};
	}

	async tick(): Promise<void> {
		const {workflowLayout, logger} = this.#context;
		fs.mkdirSync(workflowLayout.results, {recursive: true});
		for (const id of await applyWorkflowRequests(this.#context.layout, workflowLayout, logger)) {
			this.#finished.delete(id);
		}

		const files = listWorkflowFiles(workflowLayout.workflows);
		const ids = new Set([...files.keys(), ...listStateIds(workflowLayout)]);
		for (const id of [...ids].sort()) {
			const sources = files.get(id) ?? [];
			// What the step reads, as it stands: an edit by hand ends the backoff (taken after a failure, so the step's own writes do not).
			const signature = () => [workflowLayout.stateFile(id), ...sources].map(file => changedAtMs(file) ?? '-').join(' ');
			if (this.#backoff.isWaiting(id, Date.now(), signature())) {
				continue;
			}

			try {
				await this.#step(id, sources);
				this.#backoff.recordSuccess(id);
			} catch (error) {
				const failure = describeFailure('workflow step', error, this.#backoff.recordFailure(id, Date.now(), signature()));
				logger.error({...failure.fields, workflow: id}, failure.message);
			}
		}
	}

	async #step(id: string, files: string[]): Promise<void> {
		if (this.#isFinished(id, files)) {
			return;
		}

		const state = readState(this.#context.workflowLayout, id);
		if (!state) {
			await this.#start(id, files);
		} else if (state.status === 'running') {
			await advanceWorkflow(this.#context, state);
		} else {
			// Finished, but the orchestrator stopped before ID.json was written.
			await writeWorkflowResult(this.#context.layout, this.#context.workflowLayout, summarizeState(this.#context.layout, state, new Date(state.finishedAt)), this.#teller());
		}
	}

	#teller() {
		return {timezone: this.#context.config.budget.timezone, logger: this.#context.logger};
	}

	#isFinished(id: string, files: string[]): boolean {
		const cached = this.#finished.get(id);
		if (cached && cached.rejectedHash === undefined) {
			return true;
		}

		const found = cached ? undefined : readWorkflowResult(this.#context.workflowLayout, id);
		const result = cached ?? (found && (found.status === 'rejected' ? {rejectedHash: found.sourceHash ?? ''} : {}));
		if (!result) {
			return false;
		}

		this.#finished.set(id, result);
		if (result.rejectedHash === undefined || files.length === 0 || hashFiles(files) === result.rejectedHash) {
			return true;
		}

		archiveRejection(this.#context.workflowLayout, id);
		this.#finished.delete(id);
		this.#context.logger.info({workflow: id}, 'a rejected workflow file changed: checking it again');
		return false;
	}

	async #start(id: string, files: string[]): Promise<void> {
		const {config, layout, workflowLayout, logger} = this.#context;
		if (files.length === 0) {
			return;
		}

		const source = files.map(file => path.relative(config.home, file));
		const reject = async (problems: string[]) => {
			await writeWorkflowResult(layout, workflowLayout, rejectedResult({id, source, sourceHash: hashFiles(files), problems}), this.#teller());
			logger.warn({workflow: id, problems}, 'workflow rejected');
		};

		if (files.length > 1) {
			return reject([`${source.join(' and ')} all name the workflow "${id}"; keep one of them`]);
		}

		if (!WORKFLOW_ID_PATTERN.test(id)) {
			return reject([`${source[0]}: the file name makes the id "${id}"; use 1-60 letters and digits joined by single "-" or "_"`]);
		}

		const read = readWorkflowFile(files[0]!, source[0]!);
		if (read.kind === 'gone') {
			return;
		}

		// Not a regular file (a symlink, a FIFO): rejected at once and never opened; it will not become one by waiting.
		if (read.kind === 'refused') {
			return reject([read.problem]);
		}

		const checked = read.kind === 'parsed' ? validateWorkflow(read.raw, {id, workers: Object.keys(config.workers), checkId: true}) : {ok: false as const, problems: [read.error]};
		if (!checked.ok) {
			// A file that is still being written may not parse yet: only one left unchanged for parseGrace is rejected.
			return read.ageMs < config.queue.parseGrace ? undefined : reject(checked.problems.map(problem => `${source[0]}: ${problem}`));
		}

		const state = createState(checked.workflow, source);
		await writeState(workflowLayout, state);
		logger.info({workflow: id, source, tasks: state.tasks.length}, 'workflow started');
		await advanceWorkflow(this.#context, state);
	}
}
