import {formatIssues} from '../config/format-issues.ts';
import {workflowSchema, type Workflow, type WorkflowTask} from './definition.ts';
import {findPlaceholders, findUnknownPlaceholders, isPlaceholderField, PLACEHOLDER_FIELDS, PLACEHOLDER_FORMS} from './placeholders.ts';

export type CheckedWorkflow = {ok: true; workflow: Workflow} | {ok: false; problems: string[]};

export type WorkflowContext = {
	/** The id the workflow runs under (its file name, or the id spool gave a plan). */
	id: string;
	/** The workers of spool.yaml. */
	workers: readonly string[];
	/** A file's `id` must match its name; a plan's `id` is only the planner's suggestion. */
	checkId: boolean;
};

/**
 * Checks a parsed workflow or plan: the fields, then the graph (workers exist, ids unique, dependencies
 * known and acyclic, prompts non-empty, placeholders name tasks it depends on). Every problem is one
 * line naming the field, so it can be shown to a person or sent back to the planner as it is.
 */
export function validateWorkflow(raw: unknown, context: WorkflowContext): CheckedWorkflow {
	const parsed = workflowSchema.safeParse(raw);
	if (!parsed.success) {
		return {ok: false, problems: formatIssues(parsed.error, raw)};
	}

	const workflow = parsed.data;
	const problems: string[] = [];
	if (context.checkId && workflow.id !== undefined && workflow.id !== context.id) {
		problems.push(`id: "${workflow.id}" does not match the file name, which makes the id "${context.id}"; remove the field or make them equal`);
	}

	const firstIndex = new Map<string, number>();
	workflow.tasks.forEach((task, index) => {
		const earlier = firstIndex.get(task.id);
		if (earlier === undefined) {
			firstIndex.set(task.id, index);
		} else {
			problems.push(`tasks.${index}.id: "${task.id}" is already the id of tasks.${earlier}; task ids must be unique`);
		}
	});
	workflow.tasks.forEach((task, index) => problems.push(...checkTask(task, `tasks.${index}`, firstIndex, context.workers)));
	const cycle = findCycle(workflow.tasks);
	if (cycle) {
		const steps = cycle.slice(0, -1).map((id, step) => `"${id}" depends on "${cycle[step + 1]}"`);
		problems.push(`tasks: dependsOn forms a cycle, so none of these tasks could ever start: ${steps.join(', ')}`);
	} else if (problems.length === 0) {
		workflow.tasks.forEach((task, index) => problems.push(...checkPlaceholders(workflow, task, `tasks.${index}`)));
	}

	return problems.length > 0 ? {ok: false, problems} : {ok: true, workflow: {id: context.id, ...workflow}};
}

function checkTask(task: WorkflowTask, where: string, ids: Map<string, number>, workers: readonly string[]): string[] {
	const problems: string[] = [];
	if (!workers.includes(task.worker)) {
		problems.push(`${where}.worker: task "${task.id}" names the worker "${task.worker}", which spool.yaml does not define (workers: ${workers.join(', ')})`);
	}

	if (task.prompt.trim() === '') {
		problems.push(`${where}.prompt: task "${task.id}" has an empty prompt; say what the worker should do`);
	}

	for (const dependency of task.dependsOn ?? []) {
		if (dependency === task.id) {
			problems.push(`${where}.dependsOn: task "${task.id}" depends on itself`);
		} else if (!ids.has(dependency)) {
			problems.push(`${where}.dependsOn: task "${task.id}" depends on "${dependency}", which is not a task of this workflow (tasks: ${[...ids.keys()].join(', ')})`);
		}
	}

	return problems;
}

function checkPlaceholders(workflow: {tasks: WorkflowTask[]}, task: WorkflowTask, where: string): string[] {
	const problems: string[] = [];
	const ancestors = ancestorsOf(workflow.tasks, task.id);
	for (const placeholder of findPlaceholders(task.prompt)) {
		if (!isPlaceholderField(placeholder.field)) {
			problems.push(`${where}.prompt: ${placeholder.text} asks for "${placeholder.field}"; a placeholder gives ${PLACEHOLDER_FIELDS.join(', ')}`);
		} else if (!ancestors.has(placeholder.task)) {
			problems.push(`${where}.prompt: ${placeholder.text} names "${placeholder.task}", which task "${task.id}" does not depend on, so its result would not exist yet; add it to dependsOn`);
		}
	}

	if (task.worktreeOf !== undefined) {
		const target = workflow.tasks.find(other => other.id === task.worktreeOf);
		if (!ancestors.has(task.worktreeOf)) {
			problems.push(`${where}.worktreeOf: task "${task.id}" continues in the worktree of "${task.worktreeOf}", which it does not depend on, so that worktree would not be finished yet; add it to dependsOn`);
		} else if (target && target.repo === undefined && target.worktreeOf === undefined) {
			problems.push(`${where}.worktreeOf: task "${task.worktreeOf}" names no repo, so it has no worktree to continue in`);
		}
	}

	if (task.cwd !== undefined && (task.repo !== undefined || task.worktreeOf !== undefined)) {
		problems.push(`${where}.cwd: task "${task.id}" runs in its worktree (${task.repo === undefined ? 'worktreeOf' : 'repo'}); leave cwd out`);
	}

	for (const text of new Set(findUnknownPlaceholders(task.prompt))) {
		problems.push(`${where}.prompt: task "${task.id}" has ${text}, which is no placeholder and would reach the model as it is; a placeholder is ${PLACEHOLDER_FORMS} (ID: a task it depends on), and \\{{ writes a literal {{`);
	}

	return problems;
}

/** The edges of a workflow: each task and the ids it depends on. */
export type Node = {id: string; dependsOn?: readonly string[]};

/** A cycle as the path that closes it (["a", "b", "a"]: a depends on b, b on a), or undefined. Unknown ids are ignored. */
export function findCycle(nodes: readonly Node[]): string[] | undefined {
	const byId = new Map(nodes.map(node => [node.id, node]));
	const state = new Map<string, 'visiting' | 'done'>();
	const stack: string[] = [];
	const visit = (id: string): string[] | undefined => {
		if (state.get(id) === 'done') {
			return undefined;
		}

		if (state.get(id) === 'visiting') {
			return [...stack.slice(stack.indexOf(id)), id];
		}

		state.set(id, 'visiting');
		stack.push(id);
		for (const dependency of byId.get(id)?.dependsOn ?? []) {
			if (byId.has(dependency)) {
				const cycle = visit(dependency);
				if (cycle) {
					return cycle;
				}
			}
		}

		stack.pop();
		state.set(id, 'done');
		return undefined;
	};

	for (const node of nodes) {
		const cycle = visit(node.id);
		if (cycle) {
			return cycle;
		}
	}

	return undefined;
}

/** Every task `id` depends on, directly or through others. The graph must be acyclic. */
export function ancestorsOf(nodes: readonly Node[], id: string): Set<string> {
	const byId = new Map(nodes.map(node => [node.id, node]));
	const found = new Set<string>();
	const pending = [...(byId.get(id)?.dependsOn ?? [])];
	while (pending.length > 0) {
		const next = pending.pop()!;
		if (!found.has(next) && byId.has(next)) {
			found.add(next);
			pending.push(...(byId.get(next)?.dependsOn ?? []));
		}
	}

	return found;
}

/** The nodes in an order where every task comes after the tasks it depends on; ties keep file order. */
export function orderTasks<T extends Node>(nodes: readonly T[]): T[] {
	const placed = new Set<string>();
	const ordered: T[] = [];
	while (ordered.length < nodes.length) {
		const next = nodes.find(node => !placed.has(node.id) && (node.dependsOn ?? []).every(id => placed.has(id)));
		if (!next) {
			throw new Error('orderTasks: the graph has a cycle or an unknown dependency');
		}

		placed.add(next.id);
		ordered.push(next);
	}

	return ordered;
}
