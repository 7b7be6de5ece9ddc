import fs from 'node:fs';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import {findLiveTask} from '../lifecycle/index.ts';
import {checkDeliverables} from '../worker/deliverables.ts';
import type {WorkflowTask} from './definition.ts';
import {buildTaskFile} from './prompt.ts';
import {markWorkflowFinished, writeState, type RunningState} from './state.ts';
import {decideStep, type Observation, type StepDecision} from './step.ts';
import type {WorkflowLayout} from './store.ts';
import {summarizeState, writeWorkflowResult} from './summary.ts';
import {markFailed, markQueued, spentUsd, type TaskState} from './task-state.ts';

export type AdvanceContext = {
	config: Config;
	layout: Layout;
	workflowLayout: WorkflowLayout;
	logger: Logger;
	/** Queue ids of queued tasks seen in no folder, and since when. */
	missingSince: Map<string, number>;
};

/**
 * One step of a running workflow: looks where its queued tasks lie, lets step.ts decide, queues what
 * became ready, and writes the state (or, once every task is done, the summary). Each step is decided
 * from the state file and the queue folders alone, so it can be repeated after a crash.
 */
export async function advanceWorkflow(context: AdvanceContext, state: RunningState, now = Date.now()): Promise<void> {
	const log = context.logger.child({workflow: state.id});
	const observations = new Map<string, Observation>();
	for (const task of state.tasks.filter(task => task.status === 'queued')) {
		observations.set(task.id, observe(context, task, state.runId, now));
	}

	let decision = decideStep(state, observations, now);
	let changed = false;
	for (;;) {
		changed ||= decision.events.length > 0;
		logEvents(log, decision);
		if (decision.ready.length === 0) {
			break;
		}

		let next = decision.state;
		for (const id of decision.ready) {
			const queued = await queueTask(context, next, id, now);
			next = queued.state;
			const task = next.tasks.find(candidate => candidate.id === id)!;
			log.info({task: id, worker: task.worker, taskId: task.taskId, error: task.error?.message}, queued.outcome === 'found' ? 'workflow task already in the queue' : `workflow task ${queued.outcome}`);
		}

		changed = true;
		// A task whose file could not be built failed: the next decision skips what depends on it.
		decision = decideStep(next, new Map(), now);
	}

	if (decision.done) {
		const finished = await finishWorkflow(context, decision.state);
		log.info({status: finished.status, costUsd: spentUsd(finished.tasks), error: finished.error?.message}, 'workflow finished');
	} else if (changed) {
		await writeState(context.workflowLayout, decision.state);
	}
}

function observe(context: AdvanceContext, task: TaskState, runId: string, now: number): Observation {
	const location = locateTask(context.layout, task, runId);
	if (location.where !== 'nowhere') {
		context.missingSince.delete(task.taskId);
		return location;
	}

	const since = context.missingSince.get(task.taskId) ?? now;
	context.missingSince.set(task.taskId, since);
	return {where: 'nowhere', missingSinceMs: since, file: path.relative(context.layout.home, context.layout.taskFile(task.worker, task.taskId))};
}

export type TaskLocation = {where: 'pending'} | {where: 'running'} | {where: 'waiting'} | {where: 'finished'; result: TaskResult} | {where: 'nowhere'};

/**
 * Where a workflow's task lies in the queue, read from the folders as `ls` would. A result counts only
 * when it belongs to this run: its metadata names the run, or (a rejection copies no metadata) it has
 * none and finished after the task was queued.
 */
export function locateTask(layout: Layout, task: Pick<TaskState, 'worker' | 'taskId' | 'queuedAt'>, runId: string): TaskLocation {
	const result = readResultFile(layout.resultFile(task.worker, task.taskId));
	if (result && belongsToRun(result, task.queuedAt, runId)) {
		return {where: 'finished', result};
	}

	// A claim in any of its forms (being ended, its result staged beside it) still runs.
	const live = findLiveTask(layout, task.worker, task.taskId);
	return live ? {where: live.where} : {where: 'nowhere'};
}

function belongsToRun(result: TaskResult, queuedAt: string | null, runId: string): boolean {
	const run = result.metadata?.workflowRun;
	if (run !== undefined) {
		return run === runId;
	}

	return queuedAt !== null && result.finishedAt >= queuedAt;
}

/**
 * Writes tasks/WORKER/WORKFLOW--TASK.json for a task whose dependencies succeeded. The queue is looked at
 * first: after a crash between writing a task file and saving the state, the task is already pending,
 * running or finished, and is only marked queued, never written twice.
 */
async function queueTask(context: AdvanceContext, state: RunningState, id: string, now: number): Promise<{state: RunningState; outcome: 'queued' | 'found' | 'failed'}> {
	const task = state.tasks.find(candidate => candidate.id === id);
	if (task?.status !== 'waiting') {
		throw new Error(`queueTask: task "${id}" of workflow "${state.id}" is not waiting`);
	}

	// Set before the write: a rejection result carries no metadata and is matched by time instead.
	const at = new Date(now).toISOString();
	const replace = (next: TaskState, outcome: 'queued' | 'found' | 'failed') => ({state: {...state, tasks: state.tasks.map(candidate => (candidate.id === id ? next : candidate))}, outcome});
	if (locateTask(context.layout, task, state.runId).where !== 'nowhere') {
		return replace(markQueued(task, at), 'found');
	}

	const definition = state.workflow.tasks.find(candidate => candidate.id === id) as WorkflowTask;
	const built = await buildTaskFile(context.layout, context.config.cwdRoots, state, definition);
	if (!built.ok) {
		return replace(markFailed(task, built.error, at), 'failed');
	}

	fs.mkdirSync(context.layout.tasks(task.worker), {recursive: true});
	await writeJsonAtomic(context.layout.taskFile(task.worker, task.taskId), built.task);
	return replace(markQueued(task, at), 'queued');
}

async function finishWorkflow(context: AdvanceContext, state: RunningState) {
	let error = state.error;
	// The workflow's own deliverables are checked only when every task succeeded: otherwise the failed task is the news.
	if (!error && state.tasks.every(task => task.status === 'succeeded')) {
		error = await checkWorkflowDeliverables(context, state);
	}

	const result = summarizeState(context.layout, {...state, error});
	const finished = markWorkflowFinished(state, {status: result.status === 'succeeded' ? 'succeeded' : 'failed', error, finishedAt: result.finishedAt});
	await writeState(context.workflowLayout, finished);
	await writeWorkflowResult(context.layout, context.workflowLayout, result, {timezone: context.config.budget.timezone, logger: context.logger});
	return finished;
}

/** The workflow's deliverables, under its cwd (else the home), through the same guard as a task's. */
async function checkWorkflowDeliverables(context: AdvanceContext, state: RunningState): Promise<TaskError | null> {
	const {home, cwdRoots} = context.config;
	return checkDeliverables(path.resolve(home, state.workflow.cwd ?? '.'), state.workflow.deliverables, {home, roots: [home, ...cwdRoots], done: 'every task succeeded'});
}

function logEvents(log: Logger, decision: StepDecision): void {
	for (const {kind, task} of decision.events) {
		if (kind === 'finished') {
			log.info({task: task.id, status: task.status, costUsd: task.costUsd, error: task.error?.message}, 'workflow task finished');
		} else if (kind === 'lost') {
			log.warn({task: task.id}, 'workflow task lost');
		} else {
			log.info({task: task.id, error: task.error?.message}, 'workflow task skipped');
		}
	}
}
