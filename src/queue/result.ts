import {z} from 'zod';
import {askedCostOf, askRecord} from '../ask/ask-record.ts';
import {repoResultSchema} from '../repos/repo-result.ts';
import {taskErrorSchema} from './error-codes.ts';
import {readJsonFile} from './read-file.ts';
import {attemptRecord} from './task-schema.ts';

/** A result holds claude's final text: a few MB at most in practice; past this a file is not read (it is not spool's). */
const MAX_RESULT_BYTES = 256 * 1024 * 1024;

export type {TaskError} from './error-codes.ts';

/** The version this code writes. A record without `version` was written before the field (spool 0.1) and reads as version 1. */
export const RESULT_VERSION = 1;

/**
 * What a task ended as. `rejected`: the task file itself was bad and claude never ran. `dead`: it failed
 * with a passing fault on every attempt it was allowed (dead-lettered), or took its worker down each time.
 * `canceled`: `spool cancel` stopped it (before it ran, or during its run: then its cost so far is kept).
 */
export const TASK_STATUSES = ['succeeded', 'failed', 'rejected', 'dead', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/**
 * results/WORKER/ID.json: one shape for success and failure, plain data, parsed on read. The JSON Schema
 * in schema/result.schema.json is generated from this. Fields from the CLI are null where the CLI never
 * got that far.
 */
export const resultSchema = z.looseObject({
	version: z.number().int().min(1).default(1).describe('The record format; absent in results written before it existed (read as 1).'),
	id: z.string(),
	worker: z.string(),
	status: z.enum(TASK_STATUSES),
	result: z.string().nullable().describe('The final text of the run (the CLI\'s `result`).'),
	structuredOutput: z.unknown().optional().describe('With a task `jsonSchema`: the validated answer.'),
	sessionId: z.string().nullable(),
	costUsd: z.number().describe('What this attempt cost (the CLI\'s total_cost_usd); costOf() adds the earlier attempts.'),
	answeredAtCap: z.boolean().optional().describe("true when claude stopped the run at its --max-budget-usd right after its final answer: the run succeeded, and `result` is that answer (the CLI's subtype stays error_max_budget_usd)."),
	costFromTokens: z.boolean().optional().describe("true when the run was stopped before claude's result line: costUsd and usage are reckoned from the tokens its stream showed, at the model's list price."),
	costEstimated: z.boolean().optional().describe('true when the run was on a subscription (an OAuth login): costUsd is the CLI\'s list-price estimate, not a bill.'),
	usage: z.record(z.string(), z.unknown()).nullable(),
	numTurns: z.number().nullable(),
	durationMs: z.number(),
	attempts: z.number().int().min(0).describe('Runs made for this task, this one included.'),
	cwd: z.string().nullable().describe('Where claude ran.'),
	startedAt: z.string(),
	finishedAt: z.string(),
	error: taskErrorSchema.nullable(),
	exitCode: z.number().nullable(),
	signal: z.string().nullable(),
	timedOut: z.boolean(),
	subtype: z.string().nullable().describe("The CLI's `subtype`, trusted over its exit code."),
	apiErrorStatus: z.number().nullable(),
	model: z.string().nullable(),
	metadata: z.record(z.string(), z.unknown()).optional(),
	history: z.array(attemptRecord).optional().describe('The attempts before this one that failed, with their errors and costs.'),
	policyViolations: z.array(z.object({tool: z.string(), command: z.string(), rule: z.string(), time: z.string()})).optional().describe("The commands spool's policy refused during the run: the tool, the command, the rule it broke, when (docs/policy.md)."),
	sandboxBlocks: z.array(z.object({tool: z.string(), kind: z.enum(['write', 'read', 'network']), target: z.string(), time: z.string()})).optional().describe("What spool's sandbox or the file tools' limits refused during the run: the tool, whether a write, a read or a connection, its path or host, when (docs/sandbox.md)."),
	questions: z.array(askRecord).optional().describe("Each question the task's agent asked a person (ask_human), the answer, who gave it, and what the run that asked cost."),
	task: z.record(z.string(), z.unknown()).optional().describe('The task as it was dropped, so a finished task can be read, or queued again, from its result alone.'),
	owner: z.string().describe('Which loop wrote it.'),
	runId: z.string().describe('Which attempt wrote it.'),
	rejectedFile: z.string().optional().describe('For a rejected task: where its original lies, relative to the home.'),
	repo: repoResultSchema.optional().describe('For a task with `repo` or `worktreeOf`: its worktree, branch, base commit and the change it left there (docs/repos.md).'),
	feedback: z.string().optional().describe("The person's feedback file this run was given as part of its system prompt, relative to the home (feedback/DATE.md, docs/report.md)."),
	skill: z.string().optional().describe("The skill the run was given (the task's `skill`)."),
	mode: z.enum(['agent', 'simple']).optional().describe('How the task ran: `simple` is one model call with no tools; absent for agent.'),
	output: z.strictObject({path: z.string(), bytes: z.number().int().min(0)}).optional().describe("With mode simple and an `output`: where spool wrote the answer (absolute) and how many bytes it holds."),
});

export type TaskResult = z.output<typeof resultSchema>;

/** A result in which nothing ran yet; the caller fills in what happened. The one builder of results. */
export function buildResult(
	fields: Pick<TaskResult, 'id' | 'worker' | 'owner' | 'runId' | 'attempts'> & {startedAt: Date},
	outcome: Partial<Omit<TaskResult, 'version' | 'id' | 'worker' | 'owner' | 'runId'>> = {},
): TaskResult {
	const now = new Date();
	return {
		version: RESULT_VERSION,
		id: fields.id,
		worker: fields.worker,
		status: 'failed',
		result: null,
		sessionId: null,
		costUsd: 0,
		usage: null,
		numTurns: null,
		durationMs: now.getTime() - fields.startedAt.getTime(),
		attempts: fields.attempts,
		cwd: null,
		startedAt: fields.startedAt.toISOString(),
		finishedAt: now.toISOString(),
		error: null,
		exitCode: null,
		signal: null,
		timedOut: false,
		subtype: null,
		apiErrorStatus: null,
		model: null,
		owner: fields.owner,
		runId: fields.runId,
		...outcome,
	};
}

/** Parses a result record; undefined when it is not one (a half-written or foreign file). */
export function parseResult(value: unknown): TaskResult | undefined {
	const parsed = resultSchema.safeParse(value);
	return parsed.success ? parsed.data : undefined;
}

/**
 * Reads results/WORKER/ID.json through the schema; undefined when it is missing, not a regular file, or
 * not a result. Never follows a symlink: spool wrote the file, and anything else there is not its result.
 */
export function readResultFile(file: string): TaskResult | undefined {
	return parseResult(readJsonFile(file, MAX_RESULT_BYTES));
}

/** What a task cost: this attempt, every earlier paid attempt in its history, and every run that asked a question. Every sum of costs uses this. */
export function costOf(result: Pick<TaskResult, 'costUsd' | 'history'> & {questions?: TaskResult['questions']}): number {
	return (result.history ?? []).reduce((sum, attempt) => sum + (attempt.costUsd ?? 0), result.costUsd + askedCostOf(result));
}
