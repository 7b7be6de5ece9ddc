import {z} from 'zod';
import {duration} from '../config/duration.ts';
import {formatIssues} from '../config/format-issues.ts';

/** A task file: `tasks/WORKER/ID.json`. The JSON Schema in schema/task.schema.json is generated from this. */
export const taskSchema = z.strictObject({
	/** Lets an editor validate the file against schema/task.schema.json. */
	$schema: z.string().optional(),
	/** What Claude is asked to do. Sent on stdin, never as an argument. */
	prompt: z.string().trim().min(1, 'must not be empty'),
	/** Overrides the worker's model for this task. */
	model: z.string().min(1).optional(),
	/** Where claude runs; must lie under one of the config's cwdRoots. @default workspaces/WORKER/ID */
	cwd: z.string().min(1).optional(),
	/** Wall-clock limit for one run, e.g. "10m". @default the worker's timeout */
	timeout: duration.optional(),
	/** Passed as --max-turns. */
	maxTurns: z.number().int().positive().optional(),
	/** A JSON Schema the final answer must match (--json-schema); the result carries `structuredOutput`. */
	jsonSchema: z.record(z.string(), z.unknown()).optional(),
	/** Free-form data copied into the result. */
	metadata: z.record(z.string(), z.unknown()).optional(),
	/** Runs already started for this task. Managed by spool. @default 0 */
	attempts: z.number().int().min(0).default(0),
});

export type Task = z.output<typeof taskSchema>;
export type TaskInput = z.input<typeof taskSchema>;

/** Validates parsed JSON; on failure, one line per problem naming the field and the bad value. */
export function validateTask(raw: unknown): {ok: true; task: Task} | {ok: false; problems: string[]} {
	const parsed = taskSchema.safeParse(raw);
	return parsed.success ? {ok: true, task: parsed.data} : {ok: false, problems: formatIssues(parsed.error, raw)};
}

export function generateTaskJsonSchema(): Record<string, unknown> {
	return {
		...z.toJSONSchema(taskSchema, {io: 'input', unrepresentable: 'any'}),
		$id: 'https://spool.dev/schema/task.schema.json',
		title: 'spool task',
	};
}
