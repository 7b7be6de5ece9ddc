import fs from 'node:fs/promises';
import {randomUUID} from 'node:crypto';
import {isErrnoCode, SpoolError} from '../errors.ts';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {TaskError} from '../queue/result.ts';
import {taskIdFor, type WorkflowLayout} from './workflow-layout.ts';
import type {Workflow} from './workflow-schema.ts';

/**
 * waiting: a dependency has not succeeded yet · queued: its task file was written (it may be pending,
 * running or just finished in the queue) · succeeded / failed: its result was read · skipped: never
 * queued, because a task it depends on failed or the workflow's budget was spent.
 */
export type WorkflowTaskStatus = 'waiting' | 'queued' | 'succeeded' | 'failed' | 'skipped';

export type TaskState = {
	id: string;
	worker: string;
	/** The queue's id: tasks/WORKER/TASKID.json, results/WORKER/TASKID.json. */
	taskId: string;
	dependsOn: string[];
	status: WorkflowTaskStatus;
	queuedAt: string | null;
	finishedAt: string | null;
	costUsd: number;
	durationMs: number | null;
	attempts: number | null;
	/** Why it failed or was skipped. */
	error: TaskError | null;
};

/** results/workflows/ID.state.json: all a restarted orchestrator needs to go on where it stopped. */
export type WorkflowState = {
	id: string;
	/** Unique per run; written into each task's metadata, so a result of an earlier run is never taken for this one's. */
	runId: string;
	status: 'running' | 'succeeded' | 'failed';
	/** The workflow file(s), relative to SPOOL_HOME. */
	source: string[];
	startedAt: string;
	finishedAt: string | null;
	/** What stopped the workflow early (its budget) or failed it as a whole (a missing deliverable). */
	error: TaskError | null;
	/** The workflow as it was when it started: editing the file later changes nothing in this run. */
	workflow: Workflow;
	tasks: TaskState[];
};

export function createState(workflow: Workflow, source: string[], now = new Date()): WorkflowState {
	return {
		id: workflow.id,
		runId: randomUUID(),
		status: 'running',
		source,
		startedAt: now.toISOString(),
		finishedAt: null,
		error: null,
		workflow,
		tasks: workflow.tasks.map(task => ({
			id: task.id,
			worker: task.worker,
			taskId: taskIdFor(workflow.id, task.id),
			dependsOn: [...new Set(task.dependsOn ?? [])],
			status: 'waiting',
			queuedAt: null,
			finishedAt: null,
			costUsd: 0,
			durationMs: null,
			attempts: null,
			error: null,
		})),
	};
}

/** Undefined when the workflow never started. A state file that does not parse throws: it is never taken for "not started". */
export async function readState(layout: WorkflowLayout, id: string): Promise<WorkflowState | undefined> {
	let text: string;
	try {
		text = await fs.readFile(layout.stateFile(id), 'utf8');
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return undefined;
		}

		throw error;
	}

	try {
		return JSON.parse(text) as WorkflowState;
	} catch (error) {
		throw new SpoolError('state_corrupt', `${layout.stateFile(id)}: not valid JSON (${(error as Error).message}); the workflow is left alone until it is fixed or removed`);
	}
}

export function writeState(layout: WorkflowLayout, state: WorkflowState): Promise<void> {
	return writeJsonAtomic(layout.stateFile(state.id), state);
}

/** The ids with a state file in results/workflows/. */
export async function listStateIds(layout: WorkflowLayout): Promise<string[]> {
	const names = await fs.readdir(layout.results).catch(() => []);
	return names.filter(name => !name.startsWith('.') && name.endsWith('.state.json')).map(name => name.slice(0, -'.state.json'.length));
}

/** The cost of the tasks that finished so far. */
export function spentUsd(state: WorkflowState): number {
	return state.tasks.reduce((sum, task) => sum + task.costUsd, 0);
}

export function isTerminal(task: TaskState): boolean {
	return task.status === 'succeeded' || task.status === 'failed' || task.status === 'skipped';
}
