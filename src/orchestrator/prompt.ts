import fs from 'node:fs';
import path from 'node:path';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import {validateTask, type TaskInput} from '../queue/task-schema.ts';
import {findPlaceholders, isPlaceholderField, type PlaceholderField, type WorkflowTask} from './definition.ts';
import type {WorkflowState} from './state.ts';

/** A context file larger than this is a mistake (a build folder, a binary), not context. */
const MAX_CONTEXT_FILE_BYTES = 256 * 1024;

type Built = {ok: true; task: TaskInput} | {ok: false; error: TaskError};

/**
 * The task file for one workflow task whose dependencies succeeded. Its prompt is self-contained, so
 * `cat tasks/W/ID.json` shows exactly what claude gets: placeholders filled in, then a section with the
 * result of every direct dependency the prompt did not already use, then the context files.
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

	const sections = [fillPlaceholders(task.prompt, (id, field) => placeholderValue(results.get(id)!, field))];
	const unused = (task.dependsOn ?? []).filter(id => !used.has(id));
	if (unused.length > 0) {
		sections.push('## Results of the tasks this task depends on', ...unused.map(id => `### ${id} (${results.get(id)!.worker})\n\n${outputOf(results.get(id)!)}`));
	}

	const files = [...(state.workflow.context_files ?? []), ...(task.context_files ?? [])];
	if (files.length > 0) {
		sections.push('## Context files');
		for (const file of files) {
			const read = await readContextFile(layout.home, allowed, file);
			if ('code' in read) {
				return {ok: false, error: read};
			}

			sections.push(`### ${file}\n\n${read.text}`);
		}
	}

	const cwd = task.cwd ?? state.workflow.cwd;
	const file: TaskInput = {
		prompt: sections.join('\n\n'),
		...(task.model ? {model: task.model} : {}),
		...(cwd ? {cwd} : {}),
		...(task.timeout === undefined ? {} : {timeout: task.timeout}),
		...(task.maxTurns ? {maxTurns: task.maxTurns} : {}),
		...(task.jsonSchema ? {jsonSchema: task.jsonSchema} : {}),
		...(task.deliverables ? {deliverables: task.deliverables} : {}),
		metadata: {...task.metadata, workflow: state.id, workflowTask: task.id, workflowRun: state.runId},
	};
	const checked = validateTask(file);
	return checked.ok ? {ok: true, task: file} : {ok: false, error: {code: 'invalid_task', message: checked.problems.join('; ')}};
}

/** Replaces each placeholder with `valueOf(task, field)`; the prompt was validated, so every one is known. */
function fillPlaceholders(prompt: string, valueOf: (task: string, field: PlaceholderField) => string): string {
	let filled = '';
	let at = 0;
	for (const placeholder of findPlaceholders(prompt).filter(placeholder => isPlaceholderField(placeholder.field))) {
		filled += prompt.slice(at, placeholder.index) + valueOf(placeholder.task, placeholder.field as PlaceholderField);
		at = placeholder.index + placeholder.text.length;
	}

	return filled + prompt.slice(at);
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

/** Context files lie under SPOOL_HOME or an allowed cwd root, like a task's cwd. */
async function readContextFile(home: string, roots: readonly string[], file: string): Promise<{text: string} | TaskError> {
	const fail = (why: string): TaskError => ({code: 'context_file_unreadable', message: `context_files: ${JSON.stringify(file)} ${why}`});
	const real = await fs.promises.realpath(path.resolve(home, file)).catch(() => undefined);
	if (!real) {
		return fail(`does not exist (looked for ${path.resolve(home, file)})`);
	}

	const allowed = await Promise.all(roots.map(async root => fs.promises.realpath(root).catch(() => root)));
	if (!allowed.some(root => real === root || real.startsWith(root + path.sep))) {
		return fail(`lies outside SPOOL_HOME and the cwdRoots of spool.yaml`);
	}

	const stat = fs.statSync(real);
	if (!stat.isFile()) {
		return fail('is not a file');
	}

	if (stat.size > MAX_CONTEXT_FILE_BYTES) {
		return fail(`is ${Math.round(stat.size / 1024)} KB; a context file may have at most ${MAX_CONTEXT_FILE_BYTES / 1024} KB`);
	}

	return {text: fs.readFileSync(real, 'utf8')};
}
