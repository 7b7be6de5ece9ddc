import {crashPoint} from '../crash-points.ts';
import {archivePreviousResult, canceledResult, start, type Claim} from '../lifecycle/index.ts';
import type {QuotaRun} from '../quota/run.ts';
import {buildResult, type TaskResult} from '../queue/result.ts';
import {namedCap} from '../budget/cap-error.ts';
import type {RunCap} from '../budget/state.ts';
import type {AttemptRecord, Task} from '../queue/task-schema.ts';
import {Activity} from '../ask/activity.ts';
import {questionsOf, type AskRecord} from '../ask/ask-record.ts';
import {askedApproval, askedQuestion, parkTask, waitingContent} from '../ask/park-task.ts';
import {answersCall, sinceQuestion, withSessionSoFar} from '../ask/session-cost.ts';
import {isObject} from '../queue/read-file.ts';
import type {PolicyRules} from '../policy/rules.ts';
import {ViolationLog} from '../policy/violations.ts';
import {BlockLog} from '../sandbox/blocks.ts';
import type {SandboxNote} from '../sandbox/run-settings.ts';
import {saveRepoChange} from '../repos/repo-result.ts';
import type {RepoRun} from '../repos/worktree.ts';
import {checkDeliverables} from './deliverables.ts';
import type {ModePlan} from './run-mode.ts';
import {writeOutput, type WrittenOutput} from '../simple/output-file.ts';
import type {TaskError} from '../queue/error-codes.ts';
import {classifyExit} from './outcome.ts';
import {recordRun} from './record-run.ts';
import {authKindOf} from '../ledger/entry.ts';
import {collectSecrets, createRedactor} from './redact.ts';
import {runClaude, type ClaudeExit} from './run-claude.ts';
import {claudeEnv} from './run-env.ts';
import type {StopReason, TaskContext, TaskEnd} from './run-task.ts';
import {accountPauseOf, finish, handBack, planPauseOf, settledOutcome, settleRun} from './settle.ts';
import {tellViolations} from './tell.ts';

/** A task validated and admitted, with what its run needs: the claim, claude's arguments, where it runs. */
export type Attempt = {
	claim: Claim;
	task: Task;
	args: string[];
	/** Sent on stdin: the task's prompt, or nothing when the run resumes a session that asked a question. */
	prompt: string;
	/** Added to the run's environment (a resumed run's answer). */
	env: Record<string, string>;
	cwd: string;
	/** The repository worktree the run is in (a task with `repo` or `worktreeOf`): its change is saved after the run. */
	repo?: RepoRun;
	history: AttemptRecord[];
	base: Parameters<typeof buildResult>[0];
	taskCopy: TaskResult['task'];
	/** The worker's policy: a refused command is kept in the result, and with onViolation halt ends the task. */
	policy: PolicyRules;
	/** The run's --max-budget-usd and where it comes from; `byDay`: what was left of a day's budget, so a run the CLI stops at it was cut by the day. */
	cap: RunCap;
	/** The feedback file the run was given (feedback/for-run.ts), relative to the home: the result records it. */
	feedback?: string;
	/** The task's mode and skill (run-mode.ts): a simple run's answer is written to its output. */
	plan?: Pick<ModePlan, 'mode' | 'output' | 'skill'>;
	/** The paths hidden from the run (sandbox/for-run.ts): what it tried and was refused is kept in the result. */
	sandbox?: Pick<SandboxNote, 'denied' | 'commands'>;
};

/**
 * One attempt: the claim marked started, claude run with its transcript, its exit classified, the
 * ledger line appended, the account's record told what the run saw, and the run settled.
 */
export async function runAttempt(context: TaskContext, attempt: Attempt, quota: QuotaRun, signal: AbortSignal): Promise<TaskEnd> {
	const {claim, task, args, cwd, history, base, taskCopy, cap} = attempt;
	const asked = questionsOf(task);
	const given = attempt.feedback === undefined ? {} : {feedback: attempt.feedback};
	const stamped = start(claim);
	if (!stamped) {
		context.logger.warn('claim ended by a sweep before the run started (this loop stalled past its lease)');
		return {kind: 'fenced'};
	}

	crashPoint('after-claim');
	archivePreviousResult(context.layout, claim.worker, claim.id);
	const startedAt = new Date();
	const transcriptFile = context.layout.transcriptFile(claim.worker, claim.id);
	context.logger.info({attempt: claim.attempt, cwd}, 'task started');

	const authHome = context.layout.authHome(claim.worker);
	const env = {...claudeEnv(authHome), ...attempt.env};
	const redact = createRedactor(collectSecrets(env, context.layout.authHomesRoot));
	const activity = new Activity();
	const refused = new ViolationLog();
	const blocked = attempt.sandbox ? new BlockLog(attempt.sandbox) : undefined;
	let delivered = task.ask?.delivered === true;
	const session = await runClaude({
		bin: context.config.claudeBin,
		args,
		prompt: attempt.prompt,
		cwd,
		env,
		timeoutMs: task.timeout ?? context.worker.timeout,
		transcriptFile,
		transcriptHead: `${JSON.stringify({type: 'spool', event: 'attempt', attempt: claim.attempt, runId: claim.runId, startedAt})}\n`,
		signal,
		redact,
		onSpawn: () => crashPoint('after-spawn'),
		onEvent: event => {
			quota.observe(event);
			activity.observe(event);
			refused.observe(event);
			blocked?.observe(event);
			delivered ||= task.ask !== undefined && answersCall(event, task.ask.toolUseId);
		},
	});
	const unsynced = await stamped.durable;
	if (unsynced) {
		// The stamp is in place (renamed); only its outlasting a power cut is not sure. The paid run goes on to its result.
		context.logger.warn({err: unsynced}, 'the claim folder could not be fsynced after the run was stamped started');
	}

	// A resumed session's result line counts the runs before its question too: this run's own cost is the rest.
	const exit = task.ask ? sinceQuestion(session, task.ask) : session;
	// Should the task go back to the queue, its next resume takes what this run spent off as well.
	const requeued = task.ask ? withSessionSoFar(claim, task.ask, classifyExit({...exit, canceled: false}).costUsd, session, delivered) : claim;
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
		recordRun(context, claim, task, exit, ran, 'canceled', 'canceled');
		await quota.finish(undefined);
		const fields = {...ran, ...estimated(exit), ...given, ...(await savedChange(context, attempt)), startedAt: startedAt.toISOString(), attempts: claim.attempt, cwd, durationMs: exit.durationMs, ...(history.length > 0 ? {history} : {}), ...asked, task: taskCopy};
		return finish(context, claim, canceledResult(base, fields, `after ${(exit.durationMs / 1000).toFixed(1)} s of its run`), signal);
	}

	if (exit.canceled) {
		recordRun(context, claim, task, exit, classifyExit({...exit, canceled: false}), signal.reason === 'lease-lost' ? 'fenced' : 'handed-back', null);
		await quota.finish(undefined);
		if (signal.reason === 'lease-lost') {
			context.logger.warn('lease lost to another loop: run stopped, no result written');
			return {kind: 'fenced'};
		}

		return handBack(context, requeued, history);
	}

	const question = exit.sessionId ? (askedQuestion(exit) ?? askedApproval(exit, attempt.policy)) : undefined;
	if (question) {
		// The agent asked a person: the run is over, and the task waits in waiting/ without a process.
		const ran = classifyExit(exit);
		recordRun(context, claim, task, exit, ran, 'waiting', null);
		await quota.finish(undefined);
		const ask: AskRecord = {
			...question.question,
			askedAt: new Date().toISOString(),
			toolUseId: question.toolUseId,
			sessionId: exit.sessionId!,
			cwd,
			costUsd: ran.costUsd,
			durationMs: exit.durationMs,
			attempt: claim.attempt,
			runId: claim.runId,
			sessionCostUsd: typeof session.final?.total_cost_usd === 'number' ? session.final.total_cost_usd : ran.costUsd,
			...(isObject(session.final?.modelUsage) ? {sessionUsage: session.final.modelUsage} : {}),
		};
		return parkTask(context, claim, task, waitingContent(claim.raw as Record<string, unknown>, task, claim.attempt - 1, history, ask), activity.steps);
	}

	const classified = namedCap(classifyExit(exit, {jsonSchema: task.jsonSchema !== undefined}), cap, history);
	const written = classified.status === 'succeeded' ? await writeAnswer(cwd, attempt.plan, classified.result) : undefined;
	const missing = written && 'code' in written ? written : classified.status === 'succeeded' ? await checkDeliverables(cwd, task.deliverables, {home: context.config.home, roots: context.config.cwdRoots}) : null;
	const {violations} = refused;
	const halted = violations.length > 0 && attempt.policy.onViolation === 'halt'
		? {code: 'policy_violation' as const, message: `the agent ran "${violations[0]!.command.slice(0, 200)}", which spool's policy denies (rule "${violations[0]!.rule}"), and policy.onViolation is halt`}
		: null;
	const outcome = halted ? {...classified, status: 'failed' as const, error: halted} : missing ? {...classified, status: 'failed' as const, error: missing} : classified;
	if (violations.length > 0) {
		tellViolations(context, claim, violations);
	}

	const changed = await savedChange(context, attempt);
	const result = buildResult(base, {
		...outcome,
		...estimated(exit),
		error: outcome.error && {...outcome.error, message: redact(outcome.error.message)},
		startedAt: startedAt.toISOString(),
		finishedAt: new Date().toISOString(),
		attempts: claim.attempt,
		cwd,
		durationMs: exit.durationMs,
		...(task.metadata ? {metadata: task.metadata} : {}),
		...(violations.length > 0 ? {policyViolations: violations} : {}),
		...(blocked && blocked.blocks.length > 0 ? {sandboxBlocks: blocked.blocks} : {}),
		...(history.length > 0 ? {history} : {}),
		...asked,
		task: taskCopy,
		...given,
		...changed,
		...planFields(attempt.plan),
		...(written && !('code' in written) ? {output: written} : {}),
	});
	recordRun(context, claim, task, exit, classified, settledOutcome(result, claim.attempt, context.config.queue.maxAttempts), result.error?.code ?? null, violations.length, blocked?.blocks.length ?? 0);
	// The account's pause is written before the task goes back and before the probe is given back: no other run slips in between.
	const limit = planPauseOf(result, exit, Date.now(), context.config.queue.rateLimitWait);
	const recorded = await quota.finish(limit?.scope === 'account' ? accountPauseOf(limit, result, claim.worker) : undefined);
	// An account's pause that could not be written: the worker pauses itself until the same time, so its loops do not storm the API.
	return settleRun(context, requeued, history, result, exit, signal, limit?.scope === 'account' && !recorded ? {...limit, scope: 'worker'} : limit);
}

/**
 * A repo task's change, saved as results/WORKER/ID.patch whenever its run ended (succeeded, failed,
 * canceled, or going back for a retry, whose next run saves it again); not when it waits for an answer.
 */
async function savedChange(context: TaskContext, attempt: Attempt): Promise<{repo?: TaskResult['repo']}> {
	if (!attempt.repo) {
		return {};
	}

	const repo = await saveRepoChange(context.layout, attempt.claim.worker, attempt.claim.id, attempt.repo);
	if (repo.patchError) {
		context.logger.warn({error: repo.patchError}, 'the change in the worktree could not be saved as a patch; spool clean keeps the worktree');
	}

	return {repo};
}

/** A simple run's answer, written to its output (before the deliverables are checked, so output may be one of them). */
async function writeAnswer(cwd: string, plan: Attempt['plan'], text: string | null): Promise<WrittenOutput | TaskError | undefined> {
	if (plan?.mode !== 'simple' || plan.output === undefined) {
		return undefined;
	}

	return writeOutput(cwd, plan.output, text ?? '');
}

function planFields(plan: Attempt['plan']): {skill?: string; mode?: 'simple'} {
	return {...(plan?.skill === undefined ? {} : {skill: plan.skill}), ...(plan?.mode === 'simple' ? {mode: 'simple' as const} : {})};
}

/** A subscription run's total_cost_usd is the CLI's list-price estimate. */
function estimated(exit: Pick<ClaudeExit, 'apiKeySource'>): {costEstimated?: true} {
	return authKindOf(exit.apiKeySource) === 'subscription' ? {costEstimated: true} : {};
}

export function isCanceled(signal: AbortSignal): boolean {
	return signal.aborted && signal.reason === ('cancel' satisfies StopReason);
}
