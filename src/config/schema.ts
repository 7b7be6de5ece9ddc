import {z} from 'zod';
import {duration} from './duration.ts';

/** A worker or task name: safe as a single path segment. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const permissionMode = z.enum(['acceptEdits', 'bypassPermissions', 'default', 'plan', 'dontAsk']);

const workerSchema = z.strictObject({
	/** This worker's system prompt, relative to SPOOL_HOME. @default prompts/NAME.md */
	prompt: z.string().min(1).optional(),
	/** One line saying what the worker is for (shown to the planner and in `spool status`). */
	description: z.string().optional(),
	/** Claude processes at once in one worker loop. @default 1 */
	concurrency: z.number().int().min(1).max(64).default(1),
	/** Model alias or name passed as --model. */
	model: z.string().min(1).optional(),
	/** A headless run can never answer a permission prompt, so the mode is explicit. @default acceptEdits */
	permissionMode: permissionMode.default('acceptEdits'),
	allowedTools: z.array(z.string().min(1)).optional(),
	disallowedTools: z.array(z.string().min(1)).optional(),
	/** Wall-clock limit for one run of a task. @default 30m */
	timeout: duration.prefault('30m'),
	/** Passed as --max-turns when a task does not set its own. */
	maxTurns: z.number().int().positive().optional(),
});

const queueSchema = z.strictObject({
	/** A claim not renewed for this long is taken back. @default 30s */
	lease: duration.prefault('30s'),
	/** How often the directory is scanned even without file events. @default 1s */
	scanInterval: duration.prefault('1s'),
	/** How long an unparsable task file must stay unchanged before it is rejected. @default 5s */
	parseGrace: duration.prefault('5s'),
	/** Time running tasks get to finish after SIGTERM before they are handed back. @default 20s */
	drainTimeout: duration.prefault('20s'),
	/** Use stat polling instead of native file events (bind mounts, network filesystems). @default false */
	usePolling: z.boolean().default(false),
});

export const configSchema = z.strictObject({
	claude: z
		.strictObject({
			/** The claude executable. @default node_modules/.bin/claude of spool */
			bin: z.string().min(1).optional(),
		})
		.default({}),
	queue: queueSchema.prefault({}),
	/** Folders a task's own `cwd` may lie under (relative to SPOOL_HOME). @default ["."] */
	cwdRoots: z.array(z.string().min(1)).default(['.']),
	workers: z
		.record(z.string().regex(NAME_PATTERN, 'a worker name is letters, digits, "-" and "_"'), workerSchema)
		.refine(workers => Object.keys(workers).length > 0, 'define at least one worker'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type WorkerConfig = z.output<typeof workerSchema> & {name: string; prompt: string};
export type QueueConfig = z.output<typeof queueSchema>;
