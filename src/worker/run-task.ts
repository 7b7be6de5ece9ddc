import fs from 'node:fs';
import type {Config} from '../config/load.ts';
import {PARENT_PID_ENV} from '../control/watch-parent.ts';
import type {WorkerConfig} from '../config/schema.ts';
import {crashPoint} from '../crash-points.ts';
import type {Logger} from '../log/logger.ts';
import {archivePreviousResult, canceledResult, taskAsDropped, lostAttempt, mayStart, reject as rejectClaim, requeue, start, type Claim, type ClaimOutcome} from '../lifecycle/index.ts';
import {isObject} from '../queue/read-file.ts';
import {checkTaskId} from '../lifecycle/names.ts';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {buildResult, type TaskResult} from '../queue/result.ts';
import {validateTask, type AttemptRecord, type Task} from '../queue/task-schema.ts';
import type {BudgetGuard} from '../budget/guard.ts';
import {buildClaudeArgs} from './claude-args.ts';
import {recordRun} from './record-run.ts';
import {checkDeliverables} from './deliverables.ts';
import {classifyExit} from './outcome.ts';
import {collectSecrets, createRedactor} from './redact.ts';
import {runClaude} from './run-claude.ts';
import {openForAppend} from '../queue/read-file.ts';
import {waitForOtherRuns} from './same-id.ts';
import {finish, handBack, settledOutcome, settleRun} from './settle.ts';
import {checkResultsWritable, prepareCwd} from './workspace.ts';

export type TaskContext = {
	config: Config;
	worker: Readonly<WorkerConfig>;
	layout: Layout;
	logger: Logger;
	/** The day's budget: each run's cap, and the ledger its line goes to. */
	budget: BudgetGuard;
};

/** Why a run was stopped from outside: the loop is shutting down, or another loop took the lease over. */
export type StopReason = 'shutdown' | 'lease-lost' | 'cancel';

/** `blocked`: nothing can start now (results/ cannot be written); the task went back uncounted and the loop waits. */
export type TaskEnd =
	| {kind: 'finished'; result: TaskResult}
	| {kind: 'retrying'; retryAt: Date}
	| {kind: 'released'}
	| {kind: 'blocked'; error: TaskError}
	| {kind: 'fenced'};

/** Claimed file → validated task → claude run → settled. Each step calls the next; none reaches back. */
export async function runTask(context: TaskContext, claimed: Exclude<ClaimOutcome, {kind: 'gone'}>, signal: AbortSignal): Promise<TaskEnd> {
	const {claim} = claimed;
	const unwritable = checkResultsWritable(context.layout, claim.worker);
	if (unwritable) {
		// Running now would pay for a result, and rejecting would move a file, with nowhere to write the
		// result: the task waits as it came, its attempt not counted.
		const outcome = await requeue(context.layout, claim, undefined);
		return outcome === 'requeued' ? {kind: 'blocked', error: unwritable} : {kind: 'fenced'};
	}

	const task = claimed.kind === 'bad' ? claimed.error : checkClaim(claim);
	if ('code' in task) {
		return reject(context, claim, task);
	}

	const maxBudgetUsd = context.budget.capFor(task);
	if (maxBudgetUsd === 0) {
		// The day's budget ran out between the claim and now: the task waits for the next day, uncounted.
		context.logger.warn('the daily budget is spent: the task goes back to wait');
		return handBack(context, claim, task.history ?? []);
	}

	const args = buildClaudeArgs(context.worker, task, {maxBudgetUsd});
	if (!Array.isArray(args)) {
		return reject(context, claim, args);
	}

	const prepared = await prepareCwd({home: context.config.home, cwdRoots: context.config.cwdRoots, taskCwd: task.cwd, workspace: context.layout.workspace(claim.worker, claim.id)});
	if ('code' in prepared) {
		return reject(context, claim, prepared);
	}

	const {cwd} = prepared;
	const history = [...(task.history ?? []), ...(claim.interrupted ? [lostAttempt(claim.attempt - 1)] : [])];
	const base = {id: claim.id, worker: claim.worker, owner: claim.owner, runId: claim.runId, attempts: claim.attempt - 1, startedAt: new Date()};
	const taskCopy = taskAsDropped(claim.raw as Record<string, unknown>);
	if (!mayStart(claim.attempt, context.config.queue.maxAttempts)) {
		return finish(context, claim, buildResult(base, {status: 'dead', history, task: taskCopy, error: deadError(history)}), signal);
	}

	if (isCanceled(signal)) {
		return finish(context, claim, canceledResult(base, {history, task: taskCopy}), signal);
	}

	if (!(await waitForOtherRuns(context.layout, claim, signal, () => context.logger.info('the same id runs in another loop: this task waits for that run to end')))) {
		return isCanceled(signal) ? finish(context, claim, canceledResult(base, {history, task: taskCopy}), signal) : handBack(context, claim, history);
	}

	if (!(await start(claim))) {
		context.logger.warn('claim ended by a sweep before the run started (this loop stalled past its lease)');
		return {kind: 'fenced'};
	}

	crashPoint('after-claim');
	archivePreviousResult(context.layout, claim.worker, claim.id);
	const startedAt = new Date();
	const transcriptFile = context.layout.transcriptFile(claim.worker, claim.id);
	writeAttemptLine(context, transcriptFile, {type: 'spool', event: 'attempt', attempt: claim.attempt, runId: claim.runId, startedAt});
	context.logger.info({attempt: claim.attempt, cwd}, 'task started');

	const authHome = context.layout.authHome(claim.worker);
	const env = claudeEnv(authHome);
	const redact = createRedactor(collectSecrets(env, context.layout.authHomesRoot));
	const exit = await runClaude({
		bin: context.config.claudeBin,
		args,
		prompt: task.prompt,
		cwd,
		env,
		timeoutMs: task.timeout ?? context.worker.timeout,
		transcriptFile,
		signal,
		redact,
		onSpawn: () => crashPoint('after-spawn'),
	});
	crashPoint('after-exit');
	if (exit.transcriptError) {
		context.logger.warn({error: exit.transcriptError, file: transcriptFile}, 'the transcript could not be written in full; the run goes on');
	}

	if (exit.longLines.count > 0) {
		context.logger.warn({lines: exit.longLines.count, limit: exit.longLines.limit}, 'claude wrote lines over the line limit: each is left out of the transcript, a marker in its place');
	}

	if (exit.canceled && isCanceled(signal)) {
		// Interrupted on purpose: what the run did and cost so far is kept, and it is not retried.
		const {status: _status, error: _error, ...ran} = classifyExit({...exit, canceled: false});
		recordRun(context, claim, task, exit, {costUsd: ran.costUsd, usage: ran.usage, errorCode: 'canceled'}, 'canceled');
		const fields = {...ran, startedAt: startedAt.toISOString(), attempts: claim.attempt, cwd, durationMs: exit.durationMs, ...(history.length > 0 ? {history} : {}), task: taskCopy};
		return finish(context, claim, canceledResult(base, fields, `after ${(exit.durationMs / 1000).toFixed(1)} s of its run`), signal);
	}

	if (exit.canceled) {
		const {costUsd, usage} = classifyExit({...exit, canceled: false});
		recordRun(context, claim, task, exit, {costUsd, usage, errorCode: null}, signal.reason === 'lease-lost' ? 'fenced' : 'handed-back');
		if (signal.reason === 'lease-lost') {
			context.logger.warn('lease lost to another loop: run stopped, no result written');
			return {kind: 'fenced'};
		}

		return handBack(context, claim, history);
	}

	const classified = classifyExit(exit);
	const missing = classified.status === 'succeeded' ? await checkDeliverables(cwd, task.deliverables, {home: context.config.home, roots: context.config.cwdRoots}) : null;
	const outcome = missing ? {...classified, status: 'failed' as const, error: missing} : classified;
	const result = buildResult(base, {
		...outcome,
		error: outcome.error && {...outcome.error, message: redact(outcome.error.message)},
		startedAt: startedAt.toISOString(),
		finishedAt: new Date().toISOString(),
		attempts: claim.attempt,
		cwd,
		durationMs: exit.durationMs,
		...(task.metadata ? {metadata: task.metadata} : {}),
		...(history.length > 0 ? {history} : {}),
		task: taskCopy,
	});
	recordRun(context, claim, task, exit, {costUsd: result.costUsd, usage: result.usage, errorCode: result.error?.code ?? null}, settledOutcome(result, claim.attempt, context.config.queue.maxAttempts));
	return settleRun(context, claim, history, result, exit, signal);
}

function isCanceled(signal: AbortSignal): boolean {
	return signal.aborted && signal.reason === ('cancel' satisfies StopReason);
}

function checkClaim(claim: Claim): Task | TaskError {
	const unsafe = checkTaskId(claim.id);
	if (unsafe) {
		return {code: 'invalid_id', message: unsafe};
	}

	if (!isObject(claim.raw)) {
		const kind = Array.isArray(claim.raw) ? 'an array' : claim.raw === null ? 'null' : `a ${typeof claim.raw}`;
		const shown = JSON.stringify(claim.raw) ?? String(claim.raw);
		return {code: 'invalid_task', message: `the task must be a JSON object such as {"prompt": "..."}; this file holds ${kind} (${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown})`};
	}

	const checked = validateTask(claim.raw);
	return checked.ok ? checked.task : {code: 'invalid_task', message: checked.problems.join('; ')};
}

async function reject(context: TaskContext, claim: Claim, error: TaskError): Promise<TaskEnd> {
	const result = await rejectClaim(context.layout, {worker: claim.worker, file: claim.file, owner: claim.owner, error, attempts: claim.attempt - 1});
	context.logger.warn({error: error.message, code: error.code}, 'task rejected');
	return result ? {kind: 'finished', result} : {kind: 'fenced'};
}

/** The transcript is for people to follow; a line that cannot be written (results/ gone, a full disk) must not cost the run. */
function writeAttemptLine(context: TaskContext, file: string, line: Record<string, unknown>): void {
	try {
		const fd = openForAppend(file);
		try {
			fs.writeFileSync(fd, `${JSON.stringify(line)}\n`);
		} finally {
			fs.closeSync(fd);
		}
	} catch (error) {
		context.logger.warn({err: error, file}, 'cannot write the transcript; the run goes on');
	}
}

/** A task whose attempts are spent before this run: poison when its worker died on every one of them. */
function deadError(history: AttemptRecord[]): TaskError {
	const last = history.at(-1);
	if (history.length > 0 && history.every(record => record.error.code === 'worker_lost')) {
		return {code: 'poison_task', message: `the worker died during each of the ${history.length} attempts of this task; it is not run again`};
	}

	return {code: last?.error.code ?? 'attempts_exhausted', message: `gave up after ${history.length} attempts: ${last?.error.message ?? 'no attempt left'}`};
}

/** The environment passed through, with this worker's own auth home. */
function claudeEnv(authHome: string): Record<string, string> {
	return {...inheritedEnv(), CLAUDE_CONFIG_DIR: authHome};
}

let inherited: Record<string, string> | undefined;

/** process.env as plain data, read once: each access to process.env is a call into C++. */
function inheritedEnv(): Record<string, string> {
	if (!inherited) {
		inherited = {};
		for (const [key, value] of Object.entries(process.env)) {
			// Not spool's own switches: a `spool` a task runs is no child of `spool up` and has no crash point armed.
			if (value !== undefined && key !== 'SPOOL_CRASH_AT' && key !== PARENT_PID_ENV) {
				inherited[key] = value;
			}
		}
	}

	return inherited;
}
