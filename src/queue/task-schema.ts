import path from 'node:path';
import {z} from 'zod';
import {durationAtLeast} from '../config/duration.ts';
import {formatIssues} from '../config/format-issues.ts';
import {askRecord} from '../ask/ask-record.ts';
import {taskErrorSchema} from './error-codes.ts';

/** A skill's name: its folder in skills.dir, one safe path segment. */
export const SKILL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** One earlier attempt of a task and how it ended. */
export const attemptRecord = z.object({
	attempt: z.number().int().min(1),
	error: taskErrorSchema,
	finishedAt: z.string(),
	durationMs: z.number().optional(),
	costUsd: z.number().optional(),
});

export type AttemptRecord = z.output<typeof attemptRecord>;

/** A task file: `tasks/WORKER/ID.json`. The JSON Schema in schema/task.schema.json is generated from this. */
export const taskSchema = z.strictObject({
	$schema: z.string().optional().describe('Lets an editor validate the file against schema/task.schema.json.'),
	prompt: z.string().trim().min(1, 'must not be empty').describe('What Claude is asked to do. Sent on stdin, never as an argument.'),
	model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:@\[\]-]*$/, 'must be a model name or alias such as "sonnet"').optional().describe("Overrides the worker's model for this task."),
	cwd: z.string().min(1).optional().describe("Where claude runs, under one of the config's cwdRoots (default: workspaces/WORKER/ID)."),
	repo: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must name a repository of spool.yaml\'s repos').optional().describe("Runs the task in a fresh git worktree of this repository of spool.yaml, on a branch spool/WORKER/ID from its base (docs/repos.md)."),
	worktreeOf: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\/[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be WORKER/ID of a task that ran with a repo').optional().describe('Runs the task in the worktree of that earlier task (WORKER/ID), as it left it.'),
	timeout: durationAtLeast('1ms').optional().describe('Wall-clock limit for one run, e.g. "10m" (default: the worker\'s timeout).'),
	maxTurns: z.number().int().positive().optional().describe('Passed as --max-turns.'),
	jsonSchema: z.record(z.string(), z.unknown()).optional().describe('A JSON Schema the final answer must match (--json-schema); the result carries `structuredOutput`.'),
	deliverables: z.array(z.string().min(1)).optional().describe("Paths (relative to the task's cwd) that must exist after the run; a missing one fails the task."),
	priority: z.number().int('must be a whole number').min(-1_000_000).max(1_000_000).optional().describe('Higher runs first (default 0); equal priorities run in the order they were dropped.'),
	notBefore: z.iso.datetime({offset: true, error: 'must be an ISO time such as "2026-12-01T18:00:00Z"'}).optional().describe('Not claimed before this time; `spool list` shows the task as delayed.'),
	maxCostUsd: z.number().finite().min(0.0001, 'must be at least 0.0001 (a hundredth of a cent), less than one model call costs').optional().describe("The most this task's run may cost in US dollars (--max-budget-usd); the worker's perTaskUsd and what is left of the day's budget may lower it."),
	skill: z.string().regex(SKILL_NAME, 'must be a skill name: 1-64 letters, digits, ".", "-" and "_", starting with a letter or digit').optional().describe("A skill of the config's skills.dir (NAME/SKILL.md) the run is given and told to use; an unknown one is rejected (unknown_skill)."),
	mode: z.enum(['agent', 'simple']).optional().describe('`agent`: claude works with its tools; `simple`: one model call with no tools, the repository\'s context in its prompt, the answer written to `output` (default: the worker\'s mode, else agent).'),
	output: z.string().min(1).refine(file => !path.isAbsolute(file), 'must be a path relative to the task\'s cwd, such as "docs/summary.md"').optional().describe("With mode simple: where spool writes the answer, relative to the task's cwd, never outside it."),
	metadata: z.record(z.string(), z.unknown()).optional().describe('Free-form data copied into the result.'),
	attempts: z.number().int().min(0).default(0).describe('Runs already started for this task; managed by spool.'),
	history: z.array(attemptRecord).optional().describe('The attempts that failed before, with their errors; managed by spool.'),
	retryAt: z.iso.datetime({offset: true}).optional().describe('Not claimed before this time (retry backoff); managed by spool.'),
	ask: askRecord.optional().describe("The question the task's agent asked with ask_human, and once it came the person's answer: the task then resumes the same session; managed by spool."),
	questions: z.array(askRecord).optional().describe('The questions asked and answered before, with what each asking run cost; managed by spool.'),
});

export type Task = z.output<typeof taskSchema>;
export type TaskInput = z.input<typeof taskSchema>;

/** Validates parsed JSON; on failure, one line per problem naming the field and the bad value. */
export function validateTask(raw: unknown): {ok: true; task: Task} | {ok: false; problems: string[]} {
	const parsed = taskSchema.safeParse(raw);
	return parsed.success ? {ok: true, task: parsed.data} : {ok: false, problems: formatIssues(parsed.error, raw)};
}
