import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {costOf, type TaskError, type TaskResult} from '../queue/result.ts';
import {checkDeliverables} from '../worker/deliverables.ts';
import {orderTasks} from './graph.ts';
import {queueWorkflowTask} from './queue-task.ts';
import {isTerminal, spentUsd, writeState, type TaskState, type WorkflowState} from './state.ts';
import {summarizeState, writeWorkflowResult} from './summary.ts';
import {locateTask} from './task-location.ts';
import type {WorkflowLayout} from './workflow-layout.ts';

/** A queued task found in no folder for this long was deleted by hand: it fails instead of waiting forever. */
const LOST_AFTER_MS = 10_000;

export type AdvanceContext = {
	config: Config;
	layout: Layout;
	workflowLayout: WorkflowLayout;
	logger: Logger;
	/** Queue ids of queued tasks seen in no folder, and since when. */
	missingSince: Map<string, number>;
};

/**
 * One step of a running workflow: reads the results of its queued tasks, skips what can no longer run,
 * queues what became ready, and writes the summary once every task is done. Each step is decided from
 * the state file and the queue folders alone, so it can be repeated after a crash.
 */
export async function advanceWorkflow(context: AdvanceContext, state: WorkflowState, now = Date.now()): Promise<void> {
	const log = context.logger.child({workflow: state.id});
	let changed = false;
	for (const task of state.tasks.filter(task => task.status === 'queued')) {
		const location = await locateTask(context.layout, task, state.runId);
		if (location.where === 'finished') {
			applyResult(task, location.result);
			context.missingSince.delete(task.taskId);
			log.info({task: task.id, status: task.status, costUsd: task.costUsd, error: task.error?.message}, 'workflow task finished');
			changed = true;
		} else if (location.where !== 'nowhere') {
			context.missingSince.delete(task.taskId);
		} else if (now - rememberMissing(context.missingSince, task.taskId, now) > LOST_AFTER_MS) {
			context.missingSince.delete(task.taskId);
			const file = path.join('tasks', task.worker, `${task.taskId}.json`);
			Object.assign(task, {status: 'failed', finishedAt: new Date(now).toISOString(), error: {code: 'task_lost', message: `${file} disappeared without a result (deleted by hand?)`}});
			log.warn({task: task.id}, 'workflow task lost');
			changed = true;
		}
	}

	for (const {id} of orderTasks(state.workflow.tasks)) {
		const task = state.tasks.find(candidate => candidate.id === id)!;
		if (task.status !== 'waiting') {
			continue;
		}

		const dependencies = task.dependsOn.map(dependency => state.tasks.find(candidate => candidate.id === dependency)!);
		const blocker = dependencies.find(dependency => dependency.status === 'failed' || dependency.status === 'skipped');
		const budget = budgetError(state);
		if (blocker) {
			skip(task, {code: 'dependency_failed', message: `not run: ${blockerReason(blocker)}`});
		} else if (!dependencies.every(dependency => dependency.status === 'succeeded')) {
			continue;
		} else if (budget) {
			state.error ??= budget;
			skip(task, {code: 'max_cost_reached', message: `not queued: ${budget.message}`});
		} else {
			const outcome = await queueWorkflowTask(context.layout, context.config.cwdRoots, state, task);
			log.info({task: task.id, worker: task.worker, taskId: task.taskId, error: task.error?.message}, outcome === 'found' ? 'workflow task already in the queue' : `workflow task ${outcome}`);
		}

		changed = true;
	}

	if (state.tasks.every(task => isTerminal(task))) {
		await finishWorkflow(context, state);
		log.info({status: state.status, costUsd: spentUsd(state), error: state.error?.message}, 'workflow finished');
	} else if (changed) {
		await writeState(context.workflowLayout, state);
	}
}

async function finishWorkflow(context: AdvanceContext, state: WorkflowState): Promise<void> {
	// The workflow's own deliverables are checked only when every task succeeded: otherwise the failed task is the news.
	if (!state.error && state.tasks.every(task => task.status === 'succeeded')) {
		const base = path.resolve(context.config.home, state.workflow.cwd ?? '.');
		state.error = await checkDeliverables(base, state.workflow.deliverables, 'every task succeeded');
	}

	const result = summarizeState(context.layout, state);
	Object.assign(state, {status: result.status, finishedAt: result.finishedAt});
	await writeState(context.workflowLayout, state);
	await writeWorkflowResult(context.layout, context.workflowLayout, result);
}

function applyResult(task: TaskState, result: TaskResult): void {
	const succeeded = result.status === 'succeeded';
	Object.assign(task, {
		status: succeeded ? 'succeeded' : 'failed',
		finishedAt: result.finishedAt,
		costUsd: costOf(result),
		durationMs: result.durationMs,
		attempts: result.attempts,
		error: succeeded ? null : (result.error ?? {code: result.status, message: `the task was ${result.status}`}),
	});
}

function rememberMissing(missingSince: Map<string, number>, taskId: string, now: number): number {
	const since = missingSince.get(taskId) ?? now;
	missingSince.set(taskId, since);
	return since;
}

function skip(task: TaskState, error: TaskError): void {
	Object.assign(task, {status: 'skipped', error, finishedAt: new Date().toISOString()});
}

/** Names the task that failed at the root, through the skipped ones in between. */
function blockerReason(blocker: TaskState): string {
	if (blocker.status === 'failed') {
		return `"${blocker.id}" failed (${blocker.error?.code}: ${blocker.error?.message})`;
	}

	return `"${blocker.id}" was skipped, because ${blocker.error?.message.replace(/^not (run|queued): /, '')}`;
}

function budgetError(state: WorkflowState): TaskError | undefined {
	const max = state.workflow.max_cost_usd;
	const spent = spentUsd(state);
	if (max === undefined || spent < max) {
		return undefined;
	}

	return {code: 'max_cost_reached', message: `the workflow's finished tasks cost $${spent.toFixed(4)}, which reached its max_cost_usd of $${max}`};
}
