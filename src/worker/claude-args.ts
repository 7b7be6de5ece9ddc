import type {WorkerConfig} from '../config/schema.ts';
import type {Task} from '../queue/task-schema.ts';

/**
 * The flags of one `claude -p` run. Only known, validated task fields become flags, so a task can never
 * inject a flag of its own; the prompt itself goes on stdin.
 */
export function buildClaudeArgs(worker: Readonly<WorkerConfig>, task: Task, systemPrompt: string): string[] {
	const args = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', worker.permissionMode];
	if (systemPrompt.trim() !== '') {
		args.push('--append-system-prompt', systemPrompt);
	}

	const model = task.model ?? worker.model;
	if (model) {
		args.push('--model', model);
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
		args.push('--json-schema', JSON.stringify(task.jsonSchema));
	}

	return args;
}
