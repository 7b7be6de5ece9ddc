import path from 'node:path';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {guardPath} from '../queue/path-guard.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import {formatBytes, TASK_LIMITS} from '../queue/task-limits.ts';
import {validateTask, type TaskInput} from '../queue/task-schema.ts';
import type {WorkflowTask} from './definition.ts';
import {findEscapes, findPlaceholders, isPlaceholderField, type PlaceholderField, type Replacement} from './placeholders.ts';
import type {WorkflowState} from './state.ts';
import {describeNotRegular, readRegularFile} from '../queue/read-file.ts';

const MiB = 1024 * 1024;

/**
 * The largest prompt a workflow task is given. claude reads its prompt on stdin, so this is not the
 * argv limit; it is the size past which a prompt cannot be meant: 1 MiB of text is some 250k tokens,
 * more than a model's standard 200k-token context window, so a larger one would only fail at the API,
 * after a claude run was started for it. It also keeps the task file well under the queue's task size limit (about 10 MiB),
 * even if JSON escaping made every byte six.
 */
export const MAX_PROMPT_BYTES = 1 * MiB;

/** The whole task file, prompt, jsonSchema and metadata, stays within the size the queue accepts. */
export const MAX_TASK_FILE_BYTES = TASK_LIMITS.maxBytes;

/** A context file larger than this is a mistake (a build folder, a binary), not context. */
const MAX_CONTEXT_FILE_BYTES = 256 * 1024;

type Built = {ok: true; task: TaskInput} | {ok: false; error: TaskError};

/** One section of the prompt, measured before it is put together: a prompt too large is never built. */
type Part = {label: 'its prompt with placeholders filled in' | 'the results of the tasks it depends on' | 'context files'; bytes: number; text: () => string};

/**
 * The task file for one workflow task whose dependencies succeeded. Its prompt is self-contained, so
 * `cat tasks/W/ID.json` shows exactly what claude gets: placeholders filled in, then a section with the
 * result of every direct dependency the prompt did not already use, then the context files. Context
 * files and {{tasks.ID.cwd}} go through the path guard: none may lie in auth-homes/ or spool's state.
 */
export async function buildTaskFile(layout: Layout, roots: readonly string[], state: WorkflowState, task: WorkflowTask): Promise<Built> {
	const allowed = [layout.home, ...roots];
	const placeholders = findPlaceholders(task.prompt);
	const used = new Set(placeholders.map(placeholder => placeholder.task));
	const results = new Map<string, TaskResult>();
	for (const id of new Set([...used, ...(task.dependsOn ?? [])])) {
		const entry = state.tasks.find(candidate => candidate.id === id)!;
		const result = readResultFile(layout.resultFile(entry.worker, entry.taskId));
		if (!result) {
			return {ok: false, error: {code: 'dependency_result_missing', message: `the result of "${id}" (${path.relative(layout.home, layout.resultFile(entry.worker, entry.taskId))}) cannot be read`}};
		}

		results.set(id, result);
	}

	const replacements = findEscapes(task.prompt);
	for (const placeholder of placeholders.filter(placeholder => isPlaceholderField(placeholder.field))) {
		const result = results.get(placeholder.task)!;
		const field = placeholder.field as PlaceholderField;
		if (field === 'cwd' && result.cwd) {
			const guarded = await guardPath(result.cwd, {base: layout.home, home: layout.home, roots: allowed, what: placeholder.text});
			if (!guarded.ok && guarded.reason === 'protected') {
				return {ok: false, error: {code: 'cwd_forbidden', message: guarded.why}};
			}
		}

		replacements.push({index: placeholder.index, text: placeholder.text, value: placeholderValue(result, field)});
	}

	const parts: Part[] = [fillPlaceholders(task.prompt, replacements)];
	const unused = (task.dependsOn ?? []).filter(id => !used.has(id));
	if (unused.length > 0) {
		parts.push(textPart('the results of the tasks it depends on', '## Results of the tasks this task depends on'));
		parts.push(...unused.map(id => textPart('the results of the tasks it depends on', `### ${id} (${results.get(id)!.worker})\n\n${outputOf(results.get(id)!)}`)));
	}

	const files = [...(state.workflow.context_files ?? []), ...(task.context_files ?? [])];
	if (files.length > 0 && sizeOf(parts) <= MAX_PROMPT_BYTES) {
		parts.push(textPart('context files', '## Context files'));
		for (const file of files) {
			const read = await readContextFile(layout.home, allowed, file);
			if ('code' in read) {
				return {ok: false, error: read};
			}

			parts.push(textPart('context files', `### ${file}\n\n${read.text}`));
			if (sizeOf(parts) > MAX_PROMPT_BYTES) {
				break;
			}
		}
	}

	if (sizeOf(parts) > MAX_PROMPT_BYTES) {
		return {ok: false, error: promptTooLarge(task.id, parts, files.length > 0)};
	}

	// A task in a worktree runs there, whatever the workflow's cwd; worktreeOf names the task that made the worktree (through a chain of them).
	const inWorktree = task.repo !== undefined || task.worktreeOf !== undefined;
	const cwd = inWorktree ? undefined : (task.cwd ?? state.workflow.cwd);
	const owner = worktreeOwner(state, task);
	const file: TaskInput = {
		prompt: parts.map(part => part.text()).join('\n\n'),
		...(task.model ? {model: task.model} : {}),
		...(cwd ? {cwd} : {}),
		...(task.repo ? {repo: task.repo} : {}),
		...(owner ? {worktreeOf: `${owner.worker}/${owner.taskId}`} : {}),
		...(task.timeout === undefined ? {} : {timeout: task.timeout}),
		...(task.maxTurns ? {maxTurns: task.maxTurns} : {}),
		...(task.jsonSchema ? {jsonSchema: task.jsonSchema} : {}),
		...(task.deliverables ? {deliverables: task.deliverables} : {}),
		...(task.skill ? {skill: task.skill} : {}),
		...(task.mode ? {mode: task.mode} : {}),
		...(task.output ? {output: task.output} : {}),
		...(task.repo ? {repo: task.repo} : {}),
		metadata: {...task.metadata, workflow: state.id, workflowTask: task.id, workflowRun: state.runId},
	};
	const checked = validateTask(file);
	if (!checked.ok) {
		return {ok: false, error: {code: 'invalid_task', message: checked.problems.join('; ')}};
	}

	const bytes = Buffer.byteLength(JSON.stringify(file, null, 2));
	if (bytes > MAX_TASK_FILE_BYTES) {
		return {ok: false, error: {code: 'task_too_large', message: `the task file built for task "${task.id}" would be ${formatBytes(bytes)} (its jsonSchema or metadata is large); a task file may have at most ${MAX_TASK_FILE_BYTES / MiB} MiB`}};
	}

	return {ok: true, task: file};
}

/** The prompt with each placeholder replaced by its value (and `\{{` by `{{`): measured from the pieces, built only when asked for. */
function fillPlaceholders(prompt: string, replacements: readonly Replacement[]): Part {
	const ordered = [...replacements].sort((a, b) => a.index - b.index);
	const bytes = ordered.reduce((sum, replacement) => sum - Buffer.byteLength(replacement.text) + Buffer.byteLength(replacement.value), Buffer.byteLength(prompt));
	const text = () => {
		let filled = '';
		let at = 0;
		for (const replacement of ordered) {
			filled += prompt.slice(at, replacement.index) + replacement.value;
			at = replacement.index + replacement.text.length;
		}

		return filled + prompt.slice(at);
	};

	return {label: 'its prompt with placeholders filled in', bytes, text};
}

function textPart(label: Part['label'], text: string): Part {
	return {label, bytes: Buffer.byteLength(text), text: () => text};
}

/** The size of the prompt the parts make, joined by blank lines. */
function sizeOf(parts: readonly Part[]): number {
	return parts.reduce((sum, part) => sum + part.bytes, 2 * Math.max(parts.length - 1, 0));
}

function promptTooLarge(id: string, parts: readonly Part[], hasContextFiles: boolean): TaskError {
	const labels = [...new Set(parts.map(part => part.label))];
	const breakdown = labels.map(label => `${label}: ${formatBytes(parts.filter(part => part.label === label).reduce((sum, part) => sum + part.bytes, 0))}`);
	const some = hasContextFiles && !labels.includes('context files') ? ', context files not read' : '';
	const message = `the prompt built for task "${id}" is ${formatBytes(sizeOf(parts))} (${breakdown.join(', ')}${some}); a workflow task's prompt may have at most ${MAX_PROMPT_BYTES / MiB} MiB. Hand on a path with {{tasks.ID.cwd}} instead of a whole result, or ask the task it depends on for a shorter answer`;
	return {code: 'prompt_too_large', message};
}

function placeholderValue(result: TaskResult, field: PlaceholderField): string {
	if (field === 'structuredOutput') {
		return JSON.stringify(result.structuredOutput ?? null, null, 2);
	}

	return (field === 'cwd' ? result.cwd : result.result) ?? '';
}

function outputOf(result: TaskResult): string {
	return result.structuredOutput === undefined ? (result.result ?? '') : `\`\`\`json\n${JSON.stringify(result.structuredOutput, null, 2)}\n\`\`\``;
}

/** Context files lie under SPOOL_HOME or an allowed cwd root, never in auth-homes/ or spool's state; read without following a symlink. */
async function readContextFile(home: string, roots: readonly string[], file: string): Promise<{text: string} | TaskError> {
	const fail = (message: string): TaskError => ({code: 'context_file_unreadable', message});
	const shown = `context_files: ${JSON.stringify(file)}`;
	const guarded = await guardPath(file, {base: home, home, roots, what: 'context_files'});
	if (!guarded.ok) {
		return fail(guarded.reason === 'missing' ? `${guarded.why} (looked for ${path.resolve(home, file)})` : guarded.why);
	}

	const read = readRegularFile(guarded.real, {maxBytes: MAX_CONTEXT_FILE_BYTES});
	switch (read.kind) {
		case 'file': {
			return {text: read.text};
		}

		case 'missing': {
			return fail(`${shown} does not exist (looked for ${guarded.real})`);
		}

		case 'not-regular': {
			return fail(describeNotRegular(shown, read.entry));
		}

		case 'too-large': {
			return fail(`${shown} is ${Math.round(read.size / 1024)} KB; a context file may have at most ${MAX_CONTEXT_FILE_BYTES / 1024} KB`);
		}
	}
}

/** The workflow task whose worktree `task` continues in: its worktreeOf, followed to the task that named the repo. */
function worktreeOwner(state: WorkflowState, task: WorkflowTask): WorkflowState['tasks'][number] | undefined {
	let id = task.worktreeOf;
	for (let step = 0; id !== undefined && step <= state.workflow.tasks.length; step++) {
		const next = state.workflow.tasks.find(candidate => candidate.id === id)?.worktreeOf;
		if (next === undefined) {
			return state.tasks.find(entry => entry.id === id);
		}

		id = next;
	}

	return undefined;
}
