import type {WorkerConfig} from '../config/schema.ts';
import type {TaskError} from '../queue/error-codes.ts';
import type {Task} from '../queue/task-schema.ts';
import {mergeSettings} from '../sandbox/run-settings.ts';
import {modeOf} from './run-mode.ts';

/**
 * The most bytes one argument of a process may hold on Linux: MAX_ARG_STRLEN is 32 pages (128 KiB),
 * the terminating NUL included. A longer one fails the spawn with E2BIG.
 */
export const MAX_ARGUMENT_BYTES = 128 * 1024 - 1;

/**
 * The flags of one `claude -p` run. Only known, validated task fields become flags, so a task can never
 * inject a flag of its own; the prompt itself goes on stdin, and the worker's system prompt is passed
 * as its file, so a prompt of any size fits. A task field that would not fit in one argument (the
 * jsonSchema, which claude takes only as an argument) is refused here, before anything is spawned.
 */
export function buildClaudeArgs(worker: Readonly<WorkerConfig>, task: Task): string[] | TaskError {
	const args = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', worker.permissionMode];
	// Read by claude itself: the same text as --append-system-prompt (checked against the CLI), but no argument.
	args.push('--append-system-prompt-file', worker.prompt);
	const model = task.model ?? worker.model;
	if (model) {
		args.push('--model', model);
	}

	if (modeOf(worker, task) === 'simple') {
		// One model call with no tools: `--tools ""` leaves the request's tools empty (checked against claude 2.1.329).
		args.push('--tools', '', '--max-turns', '1');
		return args;
	}

	const maxTurns = task.maxTurns ?? worker.maxTurns;
	if (maxTurns) {
		args.push('--max-turns', String(maxTurns));
	}

	if (worker.allowedTools?.length) {
		args.push('--allowedTools', worker.allowedTools.join(','));
	}

	if (worker.disallowedTools?.length) {
		args.push('--disallowedTools', worker.disallowedTools.join(','));
	}

	if (task.jsonSchema) {
		const schema = JSON.stringify(task.jsonSchema);
		const bytes = Buffer.byteLength(schema);
		if (bytes > MAX_ARGUMENT_BYTES) {
			return {
				code: 'argument_too_large',
				message: `jsonSchema: ${bytes} bytes as JSON, over the ${MAX_ARGUMENT_BYTES} bytes one argument can hold (Linux's MAX_ARG_STRLEN, 128 KiB); claude takes --json-schema only as an argument, so the schema must be made smaller`,
			};
		}

		args.push('--json-schema', schema);
	}

	return args;
}

/** The run's cap, --max-budget-usd: the least of the task's cap, perTaskUsd and what is left of the day (budget/state.ts runCap). */
export function withBudgetCap(args: readonly string[], usd: number): string[] {
	return [...args, '--max-budget-usd', String(usd)];
}

/**
 * What spool adds to the system prompt after the worker's own file: when to ask a person (ask/run-options.ts
 * ASK_GUIDANCE) and their feedback (feedback/for-run.ts). claude takes --append-system-prompt beside
 * --append-system-prompt-file and sends both (checked against claude 2.1.329). The text is capped far
 * below one argument's limit, and starts with "#", never "-".
 */
export function withSystemText(args: readonly string[], prompt: string): string[] {
	return [...args, '--append-system-prompt', prompt];
}

/**
 * The run's claude settings with `extra` merged in (sandbox/run-settings.ts mergeSettings): one --settings
 * flag holds spool's hooks and its sandbox, since a second flag would not add to the first.
 */
export function withSettings(args: readonly string[], extra: Record<string, unknown>): string[] {
	const at = args.indexOf('--settings');
	if (at === -1) {
		return [...args, '--settings', JSON.stringify(extra)];
	}

	const merged = mergeSettings(JSON.parse(args[at + 1]!) as Record<string, unknown>, extra);
	return [...args.slice(0, at), '--settings', JSON.stringify(merged), ...args.slice(at + 2)];
}
