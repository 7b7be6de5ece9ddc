import {z} from 'zod';
import {durationAsWritten} from '../config/duration.ts';
import {taskSchema} from '../queue/task-schema.ts';

/**
 * A workflow or workflow-task id: letters and digits joined by single "-" or "_", at most 60 long, so
 * that WORKFLOW--TASK is a valid task id and never the same for two different pairs.
 */
export const WORKFLOW_ID_PATTERN = /^(?=.{1,60}$)[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/;

const workflowId = z.string().regex(WORKFLOW_ID_PATTERN, 'use 1-60 letters and digits joined by single "-" or "_" (such as "write-tests")');

/** Kept as written ("10m"), because the task file it is copied into parses it again. */
const timeout = durationAsWritten('1ms');

const paths = z.array(z.string().min(1));

/** A repository's name in spool.yaml's repos: one safe path segment. */
export const REPO_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** One node of the graph: a task for one worker, plus the fields of an ordinary task file. */
export const workflowTaskSchema = z.strictObject({
	/** Unique within the workflow; the queued task is tasks/WORKER/WORKFLOW--ID.json. */
	id: workflowId,
	/** A worker of spool.yaml. */
	worker: z.string().min(1),
	/** What the worker is asked to do. May use {{tasks.ID.result}}, {{tasks.ID.structuredOutput}} and {{tasks.ID.cwd}} of tasks it depends on. */
	prompt: z.string(),
	/** Ids of tasks that must succeed before this one is queued. Their results are handed to it. @default [] */
	dependsOn: z.array(z.string()).optional(),
	/** Files (relative to SPOOL_HOME) whose contents are added to the prompt when the task is queued. */
	context_files: paths.optional(),
	/** Paths (relative to the task's cwd) that must exist after the task; a missing one fails it. */
	deliverables: paths.optional(),
	model: taskSchema.shape.model,
	/** Where the task runs, relative to SPOOL_HOME. @default the workflow's cwd, else a fresh workspace */
	cwd: taskSchema.shape.cwd,
	/** A repository of spool.yaml: the task runs in a fresh worktree of it, on its own branch (docs/repos.md). */
	repo: taskSchema.shape.repo,
	/** The id of an earlier task it depends on: this task runs in that task's worktree, as it left it (a review reads exactly what was written). */
	worktreeOf: workflowId.optional(),
	timeout: timeout.optional(),
	maxTurns: taskSchema.shape.maxTurns,
	jsonSchema: taskSchema.shape.jsonSchema,
	metadata: taskSchema.shape.metadata,
	/** A skill of skills.dir the task is given (docs/skills.md). */
	skill: taskSchema.shape.skill,
	/** `agent` or `simple` (one call, no tools, the repository's context in the prompt). */
	mode: taskSchema.shape.mode,
	/** With mode simple: the file the answer is written to, relative to the task's cwd. */
	output: taskSchema.shape.output,
});

/** What the planner returns: the graph and its description. */
export const planSchema = z.strictObject({
	/** Ignored in a plan (spool names planned workflows); in a file it must match the file name. */
	id: workflowId.optional(),
	name: z.string().optional(),
	description: z.string().optional(),
	/** The default cwd of every task, relative to SPOOL_HOME. */
	cwd: z.string().min(1).optional(),
	/** Files (relative to SPOOL_HOME) given to every task. */
	context_files: paths.optional(),
	/** Paths (relative to the workflow's cwd, else SPOOL_HOME) that must exist when every task is done. */
	deliverables: paths.optional(),
	/** The workflow queues no further task once the cost of its finished tasks reaches this. */
	max_cost_usd: z.number().positive().optional(),
	tasks: z.array(workflowTaskSchema).min(1, 'a workflow needs at least one task'),
});

/** A workflow file: workflows/ID.yaml, .json, or the planner's ID.plan.json. */
export const workflowSchema = planSchema.extend({
	/** Lets an editor check the file against a JSON Schema. */
	$schema: z.string().optional(),
	/** The goal a planned workflow was made for. */
	goal: z.string().optional(),
	/** What planning this workflow cost. */
	plan_cost_usd: z.number().min(0).optional(),
});

/** A validated workflow as a state file keeps it: the id it runs under is always there. */
export const runWorkflowSchema = workflowSchema.extend({id: workflowId});

export type WorkflowTask = z.output<typeof workflowTaskSchema>;
export type Workflow = z.output<typeof runWorkflowSchema>;

/** The JSON Schema given to the planner as --json-schema, so the CLI returns a plan as structured_output. */
export function generatePlanJsonSchema(): Record<string, unknown> {
	const {$schema: _, ...schema} = z.toJSONSchema(planSchema, {io: 'input', unrepresentable: 'any'});
	return schema;
}

/** The queue id of a workflow's task: unique across workflows because neither id may contain "--". */
export function taskIdFor(workflowId: string, taskId: string): string {
	return `${workflowId}--${taskId}`;
}
