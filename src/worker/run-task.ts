import fs from 'node:fs/promises';
import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import {SpoolError} from '../errors.ts';
import type {Logger} from '../log/logger.ts';
import {stampClaim, type Claim} from '../queue/claim.ts';
import type {Layout} from '../queue/layout.ts';
import {releaseClaim} from '../queue/lease.ts';
import {rejectTaskFile} from '../queue/reject.ts';
import {blankResult, type TaskError, type TaskResult} from '../queue/result.ts';
import {archivePreviousResult, commitResult} from '../queue/results.ts';
import {checkTaskId} from '../queue/task-file.ts';
import {validateTask, type Task} from '../queue/task-schema.ts';
import {buildClaudeArgs} from './claude-args.ts';
import {classifyExit} from './outcome.ts';
import {runClaude} from './run-claude.ts';
import {prepareCwd} from './workspace.ts';

export type TaskContext = {
	config: Config;
	worker: Readonly<WorkerConfig>;
	layout: Layout;
	logger: Logger;
};

/** Why a run was stopped from outside: the loop is shutting down, or another loop took the lease over. */
export type StopReason = 'shutdown' | 'lease-lost';

export type TaskEnd = {kind: 'finished'; result: TaskResult} | {kind: 'released'} | {kind: 'fenced'};

/** Claimed file → validated task → claude run → result written. Each step calls the next; none reaches back. */
export async function runTask(context: TaskContext, claim: Claim, signal: AbortSignal): Promise<TaskEnd> {
	const task = checkClaim(claim);
	if ('code' in task) {
		return reject(context, claim, task);
	}

	let cwd: string;
	try {
		cwd = await prepareCwd({
			home: context.config.home,
			cwdRoots: context.config.cwdRoots,
			taskCwd: task.cwd,
			workspace: context.layout.workspace(claim.worker, claim.id),
		});
	} catch (error) {
		if (error instanceof SpoolError) {
			return reject(context, claim, {code: error.code, message: error.message});
		}

		throw error;
	}

	await stampClaim(claim);
	await archivePreviousResult(context.layout, claim.worker, claim.id);
	const startedAt = new Date();
	const transcriptFile = context.layout.transcriptFile(claim.worker, claim.id);
	await fs.appendFile(transcriptFile, `${JSON.stringify({type: 'spool', event: 'attempt', attempt: claim.attempt, runId: claim.runId, startedAt})}\n`);
	context.logger.info({task: claim.id, attempt: claim.attempt, cwd}, 'task started');

	const systemPrompt = await fs.readFile(context.worker.prompt, 'utf8');
	const exit = await runClaude({
		bin: context.config.claudeBin,
		args: buildClaudeArgs(context.worker, task, systemPrompt),
		prompt: task.prompt,
		cwd,
		env: claudeEnv(context.layout.authHome(claim.worker)),
		timeoutMs: task.timeout ?? context.worker.timeout,
		transcriptFile,
		signal,
	});

	if (exit.canceled) {
		if (signal.reason === 'lease-lost') {
			context.logger.warn({task: claim.id}, 'lease lost to another loop: run stopped, no result written');
			return {kind: 'fenced'};
		}

		await releaseClaim(context.layout, claim);
		context.logger.info({task: claim.id}, 'task handed back to the queue');
		return {kind: 'released'};
	}

	const result: TaskResult = {
		...blankResult({id: claim.id, worker: claim.worker, owner: claim.owner, runId: claim.runId, attempts: claim.attempt, startedAt}),
		...classifyExit(exit),
		cwd,
		durationMs: exit.durationMs,
		...(task.metadata ? {metadata: task.metadata} : {}),
	};
	const written = await commitResult(context.layout, claim, result);
	if (written !== 'written') {
		context.logger.warn({task: claim.id, outcome: written}, 'result not written: another loop owns this task now');
		return {kind: 'fenced'};
	}

	const log = result.status === 'succeeded' ? context.logger.info.bind(context.logger) : context.logger.warn.bind(context.logger);
	log({task: claim.id, status: result.status, costUsd: result.costUsd, durationMs: result.durationMs, error: result.error?.message}, 'task finished');
	return {kind: 'finished', result};
}

function checkClaim(claim: Claim): Task | TaskError {
	const unsafe = checkTaskId(claim.id);
	if (unsafe) {
		return {code: 'invalid_id', message: unsafe};
	}

	if (typeof claim.raw === 'string') {
		return {code: 'invalid_json', message: `not valid JSON: ${jsonError(claim.raw)}`};
	}

	const checked = validateTask(claim.raw);
	return checked.ok ? checked.task : {code: 'invalid_task', message: checked.problems.join('; ')};
}

function jsonError(text: string): string {
	if (text.trim() === '') {
		return 'the file is empty';
	}

	try {
		JSON.parse(text);
		return 'the file does not parse';
	} catch (error) {
		return (error as Error).message;
	}
}

async function reject(context: TaskContext, claim: Claim, error: TaskError): Promise<TaskEnd> {
	const result = await rejectTaskFile(context.layout, {worker: claim.worker, file: claim.file, owner: claim.owner, error, attempts: claim.attempt - 1});
	context.logger.warn({task: claim.id, error: error.message}, 'task rejected');
	return result ? {kind: 'finished', result} : {kind: 'fenced'};
}

/** The environment passed through, with this worker's own auth home. */
function claudeEnv(authHome: string): Record<string, string> {
	const env: Record<string, string> = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (value !== undefined) {
			env[key] = value;
		}
	}

	env.CLAUDE_CONFIG_DIR = authHome;
	return env;
}
