import {setTimeout as sleep} from 'node:timers/promises';
import {commit, mayRetry, requeue, type Claim} from '../lifecycle/index.ts';
import {describeAuthFailure} from '../queue/credentials.ts';
import {fingerprintAuthHome, readPause, writePause} from '../queue/pause.ts';
import type {RunOutcome} from '../ledger/entry.ts';
import {planLimitPause, type LimitPause} from '../quota/rules.ts';
import type {QuotaPause} from '../quota/state.ts';
import type {TaskResult} from '../queue/result.ts';
import type {AttemptRecord} from '../queue/task-schema.ts';
import {backoffMs, doublingMs, planFailure} from './failure-policy.ts';
import type {ClaudeExit} from './run-claude.ts';
import type {TaskContext, TaskEnd} from './run-task.ts';
import {tellAccountPaused, tellTaskDead, tellWorkerPaused} from './tell.ts';

/** Between two tries to write a result that could not be written: doubling from 1 s, at most 30 s. */
const COMMIT_RETRY_MS = {first: 1000, max: 30_000};

/**
 * Decides what a finished run means: a result written once, a retry queued with its backoff, a task
 * dead-lettered when its attempts are spent, or a task handed back while the worker waits out a rate
 * limit or bad credentials (no attempt burned).
 */
export async function settleRun(context: TaskContext, claim: Claim, history: AttemptRecord[], result: TaskResult, exit: ClaudeExit, signal: AbortSignal, limit?: LimitPause): Promise<TaskEnd> {
	const {queue} = context.config;
	const outcome = settledOutcome(result, claim.attempt, queue.maxAttempts);
	if (outcome === 'succeeded' || !result.error) {
		return finish(context, claim, result, signal);
	}

	if (outcome === 'paused' && planFailure(result.error).kind === 'pause-budget') {
		// Kept in the task's history, with what it cost, so spool show tells why it ran twice.
		const record: AttemptRecord = {attempt: claim.attempt, error: result.error, finishedAt: result.finishedAt, durationMs: result.durationMs, costUsd: result.costUsd};
		context.logger.warn({error: result.error.message, costUsd: result.costUsd}, "the day's budget ran out during the run: the task goes back to wait for it");
		return handBack(context, claim, [...history, record]);
	}

	if (outcome === 'paused') {
		const plan = planFailure(result.error);
		const now = Date.now();
		if (plan.kind === 'pause-rate' && limit?.scope === 'account') {
			// The account's record holds the pause (written by the run's QuotaRun): every worker of the account waits.
			const {key} = context.quota.account();
			context.logger.error({worker: claim.worker, account: key, error: result.error.message, until: new Date(limit.until).toISOString()},
				`account ${key} hit its usage limit (${result.error.message}): no worker of it starts a run until ${new Date(limit.until).toISOString()}; the task waits without losing an attempt`);
			tellAccountPaused(context, {account: key, worker: claim.worker, until: limit.until, message: result.error.message});
			return handBack(context, claim, history);
		}

		const authHome = context.layout.authHome(claim.worker);
		const until = plan.kind === 'pause-rate' ? (limit?.until ?? now + (exit.rateLimitRetryMs ?? queue.rateLimitWait)) : undefined;
		const message =
			plan.kind === 'pause-auth'
				? `${describeAuthFailure(`worker ${claim.worker}`, claim.worker, authHome, result.error.message)}. The pause ends when its settings.json or .credentials.json changes, or with "spool resume ${claim.worker}"`
				: result.error.message;
		// Another loop of the worker that paused it first has told.
		const pausedBefore = readPause(context.config.home, claim.worker) !== undefined;
		await writePause(context.config.home, claim.worker, {
			reason: plan.kind === 'pause-auth' ? 'auth' : 'rate-limit',
			message,
			since: new Date(now).toISOString(),
			...(until === undefined ? {fingerprint: fingerprintAuthHome(authHome)} : {until: new Date(until).toISOString()}),
		});
		context.logger.error({worker: claim.worker, error: result.error.message, until: until && new Date(until).toISOString()}, until === undefined
			? `worker ${claim.worker} paused: ${message}`
			: `worker ${claim.worker} paused until the rate limit resets (${new Date(until).toISOString()}); the task waits without losing an attempt`);
		if (!pausedBefore) {
			tellWorkerPaused(context, {worker: claim.worker, reason: plan.kind === 'pause-auth' ? 'auth' : 'rate-limit', message, until});
		}

		return handBack(context, claim, history);
	}

	if (outcome === 'failed') {
		return finish(context, claim, {...result, history}, signal);
	}

	if (outcome === 'dead') {
		return finish(context, claim, {...result, status: 'dead', history, error: {code: result.error.code, message: `gave up after ${claim.attempt} attempts: ${result.error.message}`}}, signal);
	}

	const record: AttemptRecord = {attempt: claim.attempt, error: result.error, finishedAt: result.finishedAt, durationMs: result.durationMs, costUsd: result.costUsd};
	const retryAt = new Date(Date.now() + backoffMs(claim.attempt, queue.retryBackoff, queue.retryBackoffMax));
	const requeued = await requeue(context.layout, claim, {...(claim.raw as object), attempts: claim.attempt, history: [...history, record], retryAt: retryAt.toISOString()});
	context.logger.warn({error: result.error.message, attempt: claim.attempt, retryAt, outcome: requeued}, 'attempt failed; retrying after a backoff');
	return requeued === 'requeued' ? {kind: 'retrying', retryAt} : {kind: 'fenced'};
}

/**
 * What settleRun makes of a finished run: written as it is (succeeded, or failed for good), dead when a
 * passing fault used the last attempt, queued again (retrying), or handed back while the worker pauses.
 * The run's ledger line says the same, decided by the same rule.
 */
export function settledOutcome(result: Pick<TaskResult, 'status' | 'error'>, attempt: number, maxAttempts: number): Extract<RunOutcome, 'succeeded' | 'failed' | 'dead' | 'retrying' | 'paused'> {
	if (result.status === 'succeeded' || !result.error) {
		return 'succeeded';
	}

	const plan = planFailure(result.error);
	if (plan.kind === 'pause-auth' || plan.kind === 'pause-rate' || plan.kind === 'pause-budget') {
		return 'paused';
	}

	if (plan.kind === 'final') {
		return 'failed';
	}

	return mayRetry(attempt, maxAttempts) ? 'retrying' : 'dead';
}

/**
 * How a run that hit a rate limit is waited out (quota/rules.ts): by its account (a subscription's usage
 * limit) or by its worker alone; undefined for any other outcome.
 */
export function planPauseOf(result: Pick<TaskResult, 'error'>, exit: ClaudeExit, now: number, rateLimitWait: number): LimitPause | undefined {
	if (result.error?.code !== 'rate_limited') {
		return undefined;
	}

	const info = exit.rateLimit;
	const clues = {
		apiError: typeof exit.final?.api_error === 'string' ? exit.final.api_error : null,
		status: info?.status ?? null,
		rateLimitType: info?.rateLimitType ?? null,
		resetsAt: exit.rateLimitResetsAt,
		retryMs: exit.rateLimitRetryMs,
	};
	return planLimitPause(clues, now, rateLimitWait);
}

/** The account's pause as its record keeps it. */
export function accountPauseOf(limit: LimitPause, result: Pick<TaskResult, 'error'>, worker: string): QuotaPause {
	return {
		until: new Date(limit.until).toISOString(),
		since: new Date().toISOString(),
		message: result.error?.message ?? 'usage limit reached',
		worker,
		resetsAt: limit.resetsAt === null ? null : new Date(limit.resetsAt).toISOString(),
	};
}

/** The task goes back to the queue as it came, its attempt not counted. */
export async function handBack(context: TaskContext, claim: Claim, history: AttemptRecord[]): Promise<TaskEnd> {
	// A claim never parsed (raw undefined: not a file, too large) goes back as it is, unread.
	const content = history.length > 0 && claim.raw !== undefined ? {...(claim.raw as object), history} : claim.raw;
	const outcome = await requeue(context.layout, claim, content);
	context.logger.info({outcome}, 'task handed back to the queue');
	return outcome === 'requeued' ? {kind: 'released'} : {kind: 'fenced'};
}

/**
 * Writes the result. One that cannot be written yet (results/ read-only or deleted and not re-creatable,
 * a full disk) is kept, with a log line saying why, and written when it can: the claim stays this loop's
 * meanwhile (its lease renewed), so a run that was paid for is never run again for it. Stopped (shutdown),
 * the claim is left as it is: the result already staged beside it is written by the next sweep.
 */
export async function finish(context: TaskContext, claim: Claim, result: TaskResult, signal: AbortSignal): Promise<TaskEnd> {
	for (let tries = 0; ; tries++) {
		try {
			const written = await commit(context.layout, claim, result);
			if (written !== 'written') {
				context.logger.warn({outcome: written}, 'result not written: another loop owns this task now');
				return {kind: 'fenced'};
			}

			break;
		} catch (error) {
			const waitMs = doublingMs(tries + 1, COMMIT_RETRY_MS.first, COMMIT_RETRY_MS.max);
			context.logger.error({err: error, status: result.status, retryInMs: waitMs}, `the result cannot be written yet (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); it is kept and written once it can`);
			await sleep(waitMs, undefined, {signal}).catch(() => undefined);
			if (signal.aborted) {
				context.logger.warn('stopped while a result waited to be written: the claim stays, and a sweep writes its staged result');
				return {kind: 'fenced'};
			}
		}
	}

	if (result.status === 'dead') {
		tellTaskDead(context, result);
	}

	const log = result.status === 'succeeded' ? context.logger.info.bind(context.logger) : context.logger.warn.bind(context.logger);
	log({status: result.status, costUsd: result.costUsd, durationMs: result.durationMs, attempts: result.attempts, error: result.error?.message}, 'task finished');
	return {kind: 'finished', result};
}
