import fs from 'node:fs';
import os from 'node:os';
import {setTimeout as sleep} from 'node:timers/promises';
import type {Config} from '../config/load.ts';
import {archiveQuestionFiles, endOfWait} from '../ask/answer.ts';
import {CANCEL_CHECK_MS, canceledResult, cancelPending, clearCancelRequest, endWaiting, requestCancel} from '../lifecycle/index.ts';
import {createLayout} from '../queue/layout.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import {FORCE_KILL_AFTER_MS, INTERRUPT_GRACE_MS} from '../worker/run-claude.ts';
import {findTask, locateTasks, readTaskEntry, type TaskEntry} from './find.ts';
import {requestWorkflowAction} from '../orchestrator/request-file.ts';
import {readState} from '../orchestrator/state.ts';
import {createWorkflowLayout} from '../orchestrator/store.ts';

export type CancelOutcome = {
	worker: string;
	id: string;
	/** canceled: its result says so; requested: a loop holds it and has not answered yet; finished: it had ended already. */
	outcome: 'canceled' | 'requested' | 'finished';
	message: string;
};

/**
 * How long `cancel` waits for the loop that runs a task to stop it: its next look at the requests, claude's
 * SIGINT, the stop of the process group if claude does not exit, and the commit of the result.
 */
const RUNNING_WAIT_MS = CANCEL_CHECK_MS + INTERRUPT_GRACE_MS + FORCE_KILL_AFTER_MS + 3000;

/** Cancels tasks named `WORKER/ID` or `ID`: pending ones here and now, running ones through their loop. */
export async function cancelTasks(config: Config, refs: readonly string[], options: {waitMs?: number} = {}): Promise<CancelOutcome[]> {
	const entries = refs.map(ref => findTask(config, ref));
	return Promise.all(entries.map(async entry => cancelEntry(config, entry, options.waitMs ?? RUNNING_WAIT_MS)));
}

/**
 * Cancels a workflow: the orchestrator skips its tasks that wait for a dependency (they can no longer
 * run) and finishes it, and each of its pending and running tasks is canceled.
 */
export async function cancelWorkflow(config: Config, workflow: string, options: {waitMs?: number} = {}): Promise<CancelOutcome[]> {
	await requestWorkflowAction(config, workflow, 'cancel');
	// Its tasks by its state, never by their names: a task someone named "wf--x" by hand is not the workflow's.
	const queued = new Set((readState(createWorkflowLayout(config.home), workflow)?.tasks ?? []).filter(task => task.status === 'queued').map(task => `${task.worker}/${task.taskId}`));
	const workers = [...new Set([...queued].map(key => key.slice(0, key.indexOf('/'))))];
	const live = locateTasks(config, workers).filter(location => location.where !== 'finished' && queued.has(`${location.worker}/${location.id}`));
	return Promise.all(live.map(async location => cancelEntry(config, readTaskEntry(location), options.waitMs ?? RUNNING_WAIT_MS)));
}

async function cancelEntry(config: Config, entry: TaskEntry, waitMs: number): Promise<CancelOutcome> {
	const {worker, id} = entry;
	const layout = createLayout(config.home);
	if (entry.where === 'finished') {
		return {worker, id, outcome: 'finished', message: `${worker}/${id} had finished already (${entry.state}); nothing to cancel`};
	}

	// Read before the request: a result with another runId is then this task's, however fast it came.
	const previous = readResultFile(layout.resultFile(worker, id))?.runId;
	// The request first: should this command die now, the loop that claims the task next cancels it.
	await requestCancel(layout, worker, id);
	const owner = `cancel-${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
	for (const deadline = Date.now() + waitMs; ; await sleep(200)) {
		const result = readResultFile(layout.resultFile(worker, id));
		if (result && result.runId !== previous) {
			clearCancelRequest(layout, worker, id);
			return result.status === 'canceled'
				? {worker, id, outcome: 'canceled', message: canceledMessage(worker, id, result)}
				: {worker, id, outcome: 'finished', message: `${worker}/${id} finished (${result.status}) before the cancel reached it`};
		}

		// Pending (at first, or again: a retry's backoff, a hand-back): canceled here, by the claim a loop would make.
		if (fs.lstatSync(layout.taskFile(worker, id), {throwIfNoEntry: false})) {
			const canceled = await cancelPending(layout, worker, id, owner);
			if (canceled !== 'gone') {
				clearCancelRequest(layout, worker, id);
				return {worker, id, outcome: 'canceled', message: canceledMessage(worker, id, canceled)};
			}
		}

		// Waiting for a person's answer: no process holds it, so it is canceled here.
		const waited = await cancelWaiting(config, worker, id, owner);
		if (waited) {
			clearCancelRequest(layout, worker, id);
			return {worker, id, outcome: 'canceled', message: `${worker}/${id} canceled while it waited for an answer to its question ($${waited.questions?.at(-1)?.costUsd.toFixed(4) ?? '0'} spent on the run that asked)`};
		}

		if (Date.now() >= deadline) {
			return {worker, id, outcome: 'requested', message: `${worker}/${id}: cancel requested; no loop has stopped it yet (is its loop running? the request stands in control/cancel/${worker}/${id}.json)`};
		}
	}
}

/** waiting → canceled: its result keeps the question and what the runs that asked cost. Undefined when it was not waiting. */
async function cancelWaiting(config: Config, worker: string, id: string, owner: string): Promise<TaskResult | undefined> {
	const layout = createLayout(config.home);
	if (!fs.lstatSync(layout.waitingFile(worker, id), {throwIfNoEntry: false})) {
		return undefined;
	}

	const result = await endWaiting(layout, worker, id, task => {
		const {base, fields} = endOfWait({worker, id}, task, owner, 'canceled');
		return canceledResult(base, fields, 'while it waited for an answer');
	});
	if (result) {
		archiveQuestionFiles(layout, worker, id);
	}

	return result;
}

function canceledMessage(worker: string, id: string, result: TaskResult): string {
	if (result.sessionId === null && result.costUsd === 0) {
		return `${worker}/${id} canceled before it ran`;
	}

	return `${worker}/${id} canceled during its run (${(result.durationMs / 1000).toFixed(1)} s, $${result.costUsd.toFixed(4)} so far)`;
}
