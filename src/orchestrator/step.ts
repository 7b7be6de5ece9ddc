import type {TaskError} from '../queue/error-codes.ts';
import type {TaskResult} from '../queue/result.ts';
import type {RunningState} from './state.ts';
import {isFinished, markFailed, markFinished, markSkipped, spentUsd, type FailedTask, type SkippedTask, type TaskState} from './task-state.ts';
import {orderTasks} from './validate.ts';

/** A queued task found in no folder for this long was deleted by hand: it fails instead of waiting forever. */
export const LOST_AFTER_MS = 10_000;

/**
 * Where a queued task lies in the queue, as advance.ts found it in the folders. `nowhere`: in no folder
 * and without a result of this run, since `missingSinceMs`; `file` names its task file for the error.
 */
export type Observation = {where: 'pending' | 'running' | 'waiting'} | {where: 'finished'; result: TaskResult} | {where: 'nowhere'; missingSinceMs: number; file: string};

/** What one step did to a task, for the log. */
export type StepEvent = {kind: 'finished' | 'lost' | 'skipped'; task: TaskState};

export type StepDecision = {
	/** The state with the finished, lost and skipped tasks applied. */
	state: RunningState;
	/** Waiting tasks whose dependencies all succeeded, within the budget: to be queued next, in dependency order. */
	ready: string[];
	events: StepEvent[];
	/** Every task has finished: the workflow is done. */
	done: boolean;
};

/**
 * The decision of one step of a running workflow, without any I/O: given its state and where its queued
 * tasks lie (with their results), which tasks finished, which were lost, which can no longer run (a
 * dependency failed or was skipped, or the budget is spent) and which became ready to queue. advance.ts
 * does the reading and writing around it; this is what the table of unit tests checks.
 */
export function decideStep(state: RunningState, observations: ReadonlyMap<string, Observation>, now: number): StepDecision {
	const at = new Date(now).toISOString();
	const tasks = new Map(state.tasks.map(task => [task.id, task]));
	const events: StepEvent[] = [];
	const update = (task: TaskState, kind: StepEvent['kind']) => {
		tasks.set(task.id, task);
		events.push({kind, task});
	};

	for (const task of state.tasks) {
		const seen = observations.get(task.id);
		if (task.status !== 'queued' || !seen) {
			continue;
		}

		if (seen.where === 'finished') {
			update(markFinished(task, seen.result), 'finished');
		} else if (seen.where === 'nowhere' && now - seen.missingSinceMs > LOST_AFTER_MS) {
			update(markFailed(task, {code: 'task_lost', message: `${seen.file} disappeared without a result (deleted by hand?)`}, at), 'lost');
		}
	}

	let error = state.error;
	const ready: string[] = [];
	for (const {id} of orderTasks(state.workflow.tasks)) {
		const task = tasks.get(id)!;
		if (task.status !== 'waiting') {
			continue;
		}

		const dependencies = task.dependsOn.map(dependency => tasks.get(dependency)!);
		const blocker = dependencies.find((dependency): dependency is FailedTask | SkippedTask => dependency.status === 'failed' || dependency.status === 'skipped');
		if (blocker) {
			update(markSkipped(task, {code: 'dependency_failed', message: `not run: ${blockerReason(blocker)}`}, at), 'skipped');
			continue;
		}

		if (!dependencies.every(dependency => dependency.status === 'succeeded')) {
			continue;
		}

		const budget = budgetError(state.workflow.max_cost_usd, [...tasks.values()], state.retriedCostUsd);
		if (budget) {
			error ??= budget;
			update(markSkipped(task, {code: 'max_cost_reached', message: `not queued: ${budget.message}`}, at), 'skipped');
		} else {
			ready.push(id);
		}
	}

	const next: RunningState = {...state, error, tasks: state.tasks.map(task => tasks.get(task.id)!)};
	return {state: next, ready, events, done: next.tasks.every(task => isFinished(task))};
}

/** Names the task that failed at the root, through the skipped ones in between. */
function blockerReason(blocker: FailedTask | SkippedTask): string {
	if (blocker.status === 'failed') {
		return `"${blocker.id}" failed (${blocker.error.code}: ${blocker.error.message})`;
	}

	return `"${blocker.id}" was skipped, because ${blocker.error.message.replace(/^not (run|queued): /, '')}`;
}

function budgetError(max: number | undefined, tasks: readonly TaskState[], retriedCostUsd: number): TaskError | undefined {
	const spent = spentUsd(tasks) + retriedCostUsd;
	if (max === undefined || spent < max) {
		return undefined;
	}

	return {code: 'max_cost_reached', message: `the workflow's finished tasks cost $${spent.toFixed(4)}, which reached its max_cost_usd of $${max}`};
}
