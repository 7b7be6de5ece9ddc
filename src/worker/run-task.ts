import type {Config} from '../config/load.ts';
import type {LiveConfig} from '../config/live.ts';
import type {WorkerConfig} from '../config/schema.ts';
import type {Logger} from '../log/logger.ts';
import {canceledResult, taskAsDropped, lostAttempt, mayStart, reject as rejectClaim, requeue, type Claim, type ClaimOutcome} from '../lifecycle/index.ts';
import {isObject} from '../queue/read-file.ts';
import {checkTaskId} from '../lifecycle/names.ts';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {buildResult, type TaskResult} from '../queue/result.ts';
import {validateTask, type AttemptRecord, type Task} from '../queue/task-schema.ts';
import type {BudgetGuard} from '../budget/guard.ts';
import type {QuotaGuard} from '../quota/guard.ts';
import {ASK_GUIDANCE, askArgs, mayAsk, POLICY_ENV, resumeArgs, resumeEnv} from '../ask/run-options.ts';
import {gitGuardEnv} from '../policy/git-guard.ts';
import {policyFor} from '../policy/policy-for.ts';
import {parkTask} from '../ask/park-task.ts';
import {CONTINUE_TEXT, questionsOf, questionsOfRaw} from '../ask/ask-record.ts';
import {buildClaudeArgs, withBudgetCap, withSettings, withSystemText} from './claude-args.ts';
import {prepareSandbox, type PreparedSandbox} from '../sandbox/for-run.ts';
import {feedbackForRun} from '../feedback/for-run.ts';
import {isCanceled, runAttempt} from './run-attempt.ts';
import {waitForOtherRuns} from './same-id.ts';
import {finish, handBack} from './settle.ts';
import {checkResultsWritable, prepareRun} from './workspace.ts';
import type {RepoRun} from '../repos/worktree.ts';
import {planMode, type ModePlan} from './run-mode.ts';
import {unmountSkill} from '../skills/mount.ts';

export type TaskContext = {
	config: Config;
	worker: Readonly<WorkerConfig>;
	layout: Layout;
	logger: Logger;
	/** The day's budget: each run's cap, and the ledger its line goes to. */
	budget: BudgetGuard;
	/** The subscription account: its pause, its reserve, and the one run that goes first after a pause. */
	quota: QuotaGuard;
	/** spool.yaml as it is now: the budget's time zone and report.feedbackDays decide a run's feedback. */
	live: LiveConfig;
};

/** Why a run was stopped from outside: the loop is shutting down, or another loop took the lease over. */
export type StopReason = 'shutdown' | 'lease-lost' | 'cancel';

/** `blocked`: nothing can start now (results/ cannot be written); the task went back uncounted and the loop waits. */
export type TaskEnd =
	| {kind: 'finished'; result: TaskResult}
	| {kind: 'retrying'; retryAt: Date}
	| {kind: 'released'}
	| {kind: 'blocked'; error: TaskError}
	| {kind: 'waiting'}
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

	if (task.ask && task.ask.answer === undefined) {
		// Waiting for an answer, yet in tasks/ (a crash between park's steps, a file moved by hand): it waits again, unrun.
		return parkTask(context, claim, task, claim.raw as Record<string, unknown>, [], {recovered: true});
	}

	// Built now so a task whose arguments cannot work is rejected before any wait; the cap is added last.
	const built = buildClaudeArgs(context.worker, task);
	if (!Array.isArray(built)) {
		return reject(context, claim, built);
	}

	const prepared = await prepareRun({home: context.config.home, cwdRoots: context.config.cwdRoots, workers: Object.keys(context.config.workers), repos: context.config.repos, layout: context.layout, worker: claim.worker, id: claim.id, task});
	if ('code' in prepared) {
		return reject(context, claim, prepared);
	}

	// The task's mode and skill: checked (an unknown skill, an output outside the cwd are rejected) and its skill mounted.
	const plan = await planMode({config: context.config, worker: context.worker, task, cwd: prepared.cwd, mount: context.layout.skillMount(claim.worker, claim.id)});
	if ('code' in plan) {
		return reject(context, claim, plan);
	}

	try {
		return await runPlanned(context, claimed.claim, task, [...built, ...plan.args], plan, prepared, signal);
	} finally {
		if (plan.mount) {
			await unmountSkill(plan.mount);
		}
	}
}

async function runPlanned(context: TaskContext, claim: Claim, task: Task, built: string[], plan: ModePlan, prepared: {cwd: string; repo?: RepoRun}, signal: AbortSignal): Promise<TaskEnd> {
	const {cwd, repo} = prepared;
	// An answered question resumes the session that asked, with no new prompt: the answer is what its ask_human call returns.
	const resumed = task.ask;
	// A simple run has no tools: no ask_human, and no command for the policy to judge.
	const simple = plan.mode === 'simple';
	const asking = simple ? false : mayAsk(context.worker);
	const policy = policyFor(context.live.current(), context.worker);
	const args = [...built, ...(simple ? [] : askArgs(context.worker, policy)), ...(resumed ? resumeArgs(resumed) : [])];
	// The policy for the hook, and git configured so that even a command the hook never sees cannot commit or push.
	const guard = {[POLICY_ENV]: JSON.stringify(policy), ...gitGuardEnv(cwd, policy)};
	// After a resumed run that got the answer and stopped, no call is pending: claude needs a prompt to go on.
	const run = resumed ? {prompt: resumed.delivered ? CONTINUE_TEXT : '', env: {...guard, ...resumeEnv(resumed)}} : {prompt: plan.prompt, env: guard};
	const history = [...(task.history ?? []), ...(claim.interrupted ? [lostAttempt(claim.attempt - 1)] : [])];
	const base = {id: claim.id, worker: claim.worker, owner: claim.owner, runId: claim.runId, attempts: claim.attempt - 1, startedAt: new Date()};
	const taskCopy = taskAsDropped(claim.raw as Record<string, unknown>);
	const asked = questionsOf(task);
	if (!mayStart(claim.attempt, context.config.queue.maxAttempts)) {
		return finish(context, claim, buildResult(base, {status: 'dead', history, ...asked, task: taskCopy, error: deadError(history)}), signal);
	}

	if (isCanceled(signal)) {
		return finish(context, claim, canceledResult(base, {history, ...asked, task: taskCopy}), signal);
	}

	if (!(await waitForOtherRuns(context.layout, claim, signal, () => context.logger.info('the same id runs in another loop: this task waits for that run to end')))) {
		return isCanceled(signal) ? finish(context, claim, canceledResult(base, {history, ...asked, task: taskCopy}), signal) : handBack(context, claim, history);
	}

	const admission = await context.quota.admit(claim);
	if (admission.kind === 'wait') {
		context.logger.info({reason: admission.reason}, 'the account waits out its usage limit: the task goes back to wait, its attempt not counted');
		return handBack(context, claim, history);
	}

	let sandbox: PreparedSandbox | undefined;
	try {
		// What is left of the day as the run starts (after any wait above): another loop may have spent it meanwhile.
		const cap = context.budget.capFor(task);
		if (cap.usd === 0) {
			context.logger.warn('no budget is left for the run (the daily budget was spent before it could start, or the ledger cannot be read): the task goes back to wait, its attempt not counted');
			return await handBack(context, claim, history);
		}

		const capped = cap.usd === undefined ? args : withBudgetCap(args, cap.usd);
		const feedback = readFeedback(context);
		// One --append-system-prompt: when to ask a person, and the person's latest feedback.
		const extra = [asking ? ASK_GUIDANCE : undefined, feedback?.prompt].filter(text => text !== undefined).join('\n\n');
		const prompted = extra === '' ? capped : withSystemText(capped, extra);
		// What the run may write, read and reach (docs/sandbox.md); a simple run has no tools to limit.
		sandbox = simple ? undefined : prepareSandbox({config: context.live.current(), worker: context.worker, layout: context.layout, id: claim.id, cwd, addDirs: plan.mount ? [plan.mount] : [], keep: repo ? [repo.repoPath] : []});
		const runArgs = sandbox ? withSettings([...prompted, ...sandbox.args], sandbox.settings) : prompted;
		const env = sandbox ? {...run.env, ...sandbox.env} : run.env;
		return await runAttempt(context, {claim, task, args: runArgs, prompt: run.prompt, env, policy, cwd, repo, history, base, taskCopy, cap, feedback: feedback?.file, plan, sandbox: sandbox?.note}, admission.run, signal);
	} finally {
		sandbox?.remove();
		// A probe whose run ended without saying (stopped, failed inside spool) goes back, so another run can probe.
		await admission.run.release();
	}
}

/** The person's latest feedback for this worker, as the run starts (docs/report.md); a file that cannot be read is logged and left out. */
function readFeedback(context: TaskContext): {file: string; prompt: string} | undefined {
	const config = context.live.current();
	const feedback = feedbackForRun(context.layout, context.worker.name, Object.keys(config.workers), {timezone: config.budget.timezone, feedbackDays: config.report.feedbackDays});
	if (feedback && 'problem' in feedback) {
		context.logger.warn({file: feedback.file}, `the feedback file ${feedback.file} ${feedback.problem}: the run goes on without it`);
		return undefined;
	}

	if (feedback) {
		context.logger.info({feedback: feedback.file, parts: feedback.parts, ...(feedback.cut ? {cut: true} : {})}, 'feedback given to the run');
	}

	return feedback;
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
	// A task rejected on its resume (its cwd gone) keeps what its asking runs cost.
	const result = await rejectClaim(context.layout, {worker: claim.worker, file: claim.file, owner: claim.owner, error, attempts: claim.attempt - 1, ...questionsOfRaw(claim.raw)});
	context.logger.warn({error: error.message, code: error.code}, 'task rejected');
	return result ? {kind: 'finished', result} : {kind: 'fenced'};
}

/** A task whose attempts are spent before this run: poison when its worker died on every one of them. */
function deadError(history: AttemptRecord[]): TaskError {
	const last = history.at(-1);
	if (history.length > 0 && history.every(record => record.error.code === 'worker_lost')) {
		return {code: 'poison_task', message: `the worker died during each of the ${history.length} attempts of this task; it is not run again`};
	}

	return {code: last?.error.code ?? 'attempts_exhausted', message: `gave up after ${history.length} attempts: ${last?.error.message ?? 'no attempt left'}`};
}

