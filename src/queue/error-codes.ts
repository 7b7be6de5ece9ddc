import {z} from 'zod';

/**
 * Every error code a result (of a task or a workflow) can carry, and what it means:
 * - `retry`: a passing fault: the task runs again after a backoff while attempts remain, then is dead;
 * - `final`: running it again would fail the same way: the result is written as it is;
 * - `reject`: the task file itself is bad: it moves to rejected/ and claude never runs;
 * - `pause-auth`: the worker's credentials were refused: the worker stops claiming, the task waits uncounted;
 * - `pause-rate`: a rate or usage limit: the worker waits it out, the task waits uncounted;
 * - `pause-budget`: the day's budget ran out during the run: the task waits for the budget, uncounted;
 * - `wait`: spool itself cannot go on (results/ unwritable): the task waits uncounted, the loop checks again.
 * `TaskError.code` is this table's key, so a misspelt code is a compile error, not a different retry.
 */
export const ERROR_CODES = {
	// The task file (rejected before claude runs).
	invalid_json: {effect: 'reject', summary: 'the task file is not valid JSON'},
	invalid_task: {effect: 'reject', summary: 'a field of the task is wrong (the message names it)'},
	invalid_id: {effect: 'reject', summary: 'the file name is not a safe task id'},
	unknown_worker: {effect: 'reject', summary: 'the folder in tasks/ names no worker of spool.yaml'},
	not_a_file: {effect: 'reject', summary: 'the entry is a symlink, FIFO, folder or device, never opened'},
	task_too_large: {effect: 'reject', summary: 'the task file is larger than the task size limit'},
	task_too_deep: {effect: 'reject', summary: 'the task JSON nests deeper than the depth limit'},
	cwd_forbidden: {effect: 'reject', summary: "the task's cwd lies in an auth home or in spool's own state"},
	unknown_skill: {effect: 'reject', summary: "the task's skill is not a folder with a SKILL.md in the config's skills.dir, or the config has no skills.dir (the message names the skills there are)"},
	output_forbidden: {effect: 'reject', summary: "the task's output lies outside its cwd, or is set without mode simple"},
	argument_too_large: {effect: 'reject', summary: "the task's jsonSchema is over the 128 KiB one argument can hold, or claude's arguments and environment are over the system's limit (E2BIG)"},
	repo_invalid: {effect: 'reject', summary: "the task's repo or worktreeOf cannot give it a worktree (no such repository, not a git repository, no such base, a branch or folder of that name left by something else)"},
	// The run.
	results_unwritable: {effect: 'wait', summary: 'results/WORKER/ cannot be written: the task waits uncounted and the worker checks again (a log line, never a result)'},
	auth_failed: {effect: 'pause-auth', summary: "the API refused the worker's credentials (401/403, not logged in)"},
	rate_limited: {effect: 'pause-rate', summary: 'a rate or usage limit (429, a rejected rate_limit_event)'},
	api_unavailable: {effect: 'retry', summary: 'the API failed (5xx, 529 overloaded)'},
	api_unreachable: {effect: 'retry', summary: 'the API was never reached (connection refused or reset)'},
	api_error: {effect: 'final', summary: 'another HTTP error of the API (a 4xx)'},
	timeout: {effect: 'retry', summary: "the run passed its timeout and its process group was killed"},
	cli_crashed: {effect: 'retry', summary: 'claude exited or was killed without writing a result'},
	cli_not_started: {effect: 'retry', summary: 'the claude binary could not be spawned'},
	output_too_large: {effect: 'final', summary: "claude's last line of output was over the 16 MiB line limit, so no result line could be read"},
	worker_lost: {effect: 'retry', summary: 'the worker loop died or froze during the attempt'},
	poison_task: {effect: 'final', summary: 'the worker died during every attempt of the task'},
	attempts_exhausted: {effect: 'final', summary: 'no attempt was left'},
	error_during_execution: {effect: 'retry', summary: 'the CLI reported an error during execution'},
	error_max_turns: {effect: 'final', summary: "the run reached its turn limit (maxTurns)"},
	error_max_budget_usd: {effect: 'final', summary: "the run reached its own cap (the task's maxCostUsd or perTaskUsd)"},
	daily_budget_reached: {effect: 'pause-budget', summary: "the run reached what was left of the day's budget: the task waits for the budget, its attempt not counted"},
	error_max_structured_output_retries: {effect: 'final', summary: 'the answer never matched the jsonSchema'},
	claude_error: {effect: 'final', summary: 'claude reported another error (its subtype is in the result)'},
	policy_violation: {effect: 'final', summary: "the agent ran a command spool's policy denies, and policy.onViolation is halt"},
	question_unanswered: {effect: 'final', summary: "the agent asked a person a question (ask_human) and no answer came within ask.timeout"},
	output_unwritable: {effect: 'final', summary: "a simple-mode answer could not be written to the task's output"},
	missing_deliverable: {effect: 'final', summary: 'claude succeeded but a deliverables path is missing'},
	// Workflows.
	dependency_failed: {effect: 'final', summary: 'a workflow task was not run: a task it depends on failed or was skipped'},
	dependency_result_missing: {effect: 'final', summary: "the result of a task it depends on cannot be read"},
	context_file_unreadable: {effect: 'final', summary: 'a context file is missing, forbidden, not a file or too large'},
	prompt_too_large: {effect: 'final', summary: 'the prompt built for a workflow task is larger than the prompt limit'},
	deliverable_forbidden: {effect: 'final', summary: "a deliverables path resolves into an auth home or spool's own state"},
	max_cost_reached: {effect: 'final', summary: "the workflow's max_cost_usd was reached"},
	budget_spent: {effect: 'final', summary: "the home's daily budget is spent: planning waits for the next day or a raised budget"},
	task_lost: {effect: 'final', summary: "a workflow task's file disappeared without a result"},
	tasks_failed: {effect: 'final', summary: 'tasks of the workflow failed or were skipped'},
	invalid_workflow: {effect: 'final', summary: 'the workflow file is invalid'},
	invalid_goal: {effect: 'final', summary: 'the goal file is empty or unreadable'},
	invalid_plan: {effect: 'final', summary: "the planner's plan failed validation"},
	planner_failed: {effect: 'final', summary: 'the planner run failed'},
	prompt_missing: {effect: 'final', summary: "the planner's system prompt file does not exist"},
	canceled: {effect: 'final', summary: 'the run was stopped on purpose'},
} as const satisfies Record<string, {effect: ErrorEffect; summary: string}>;

export type ErrorEffect = 'retry' | 'final' | 'reject' | 'pause-auth' | 'pause-rate' | 'pause-budget' | 'wait';

export type ErrorCode = keyof typeof ERROR_CODES;

/** The error of a result: a stable code for scripts and a message that names the problem. */
export type TaskError = {code: ErrorCode; message: string};

export function isErrorCode(code: string): code is ErrorCode {
	return Object.hasOwn(ERROR_CODES, code);
}

export function effectOf(code: ErrorCode): ErrorEffect {
	return ERROR_CODES[code].effect;
}

/** An error as read from disk: a code this version does not know (a CLI subtype an older spool kept) reads as `claude_error`, the code kept in the message. */
export const taskErrorSchema = z
	.object({code: z.string(), message: z.string()})
	.transform(({code, message}): TaskError => (isErrorCode(code) ? {code, message} : {code: 'claude_error', message: `${code}: ${message}`}));
