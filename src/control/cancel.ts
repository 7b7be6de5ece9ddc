import os from 'node:os';
import {setTimeout as sleep} from 'node:timers/promises';
import type {Config} from '../config/load.ts';
import {cancelPending, clearCancelRequest, requestCancel} from '../lifecycle/index.ts';
import {createLayout} from '../queue/layout.ts';
import {readResultFile} from '../queue/result.ts';
import {findTask, locateTasks, readTaskEntry, type TaskEntry} from './find.ts';
import {requestWorkflowAction} from './workflow-requests.ts';

export type CancelOutcome = {
	worker: string;
	id: string;
	/** canceled: its result says so; requested: a loop holds it and has not answered yet; finished: it had ended already. */
	outcome: 'canceled' | 'requested' | 'finished';
	message: string;
};

/** How long `cancel` waits for the loop that runs a task to stop it: its check each second, claude's SIGINT, the result. */
const RUNNING_WAIT_MS = 8000;

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
	const live = locateTasks(config).filter(location => location.id.startsWith(`${workflow}--`) && location.where !== 'finished');
	return Promise.all(live.map(async location => cancelEntry(config, readTaskEntry(location), options.waitMs ?? RUNNING_WAIT_MS)));
}

async function cancelEntry(config: Config, entry: TaskEntry, waitMs: number): Promise<CancelOutcome> {
	const {worker, id} = entry;
	const layout = createLayout(config.home);
	if (entry.where === 'finished') {
		return {worker, id, outcome: 'finished', message: `${worker}/${id} had finished already (${entry.state}); nothing to cancel`};
	}

	// The request first: should this command die now, the loop that claims the task next cancels it.
	await requestCancel(layout, worker, id);
	if (entry.where === 'pending') {
		const owner = `cancel-${os.hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
		const result = await cancelPending(layout, worker, id, owner);
		if (result !== 'gone') {
			clearCancelRequest(layout, worker, id);
			return {worker, id, outcome: 'canceled', message: `${worker}/${id} canceled before it ran`};
		}
	}

	const previous = readResultFile(layout.resultFile(worker, id))?.runId;
	for (const deadline = Date.now() + waitMs; Date.now() < deadline; await sleep(200)) {
		const result = readResultFile(layout.resultFile(worker, id));
		if (result && result.runId !== previous) {
			return result.status === 'canceled'
				? {worker, id, outcome: 'canceled', message: `${worker}/${id} canceled during its run (${(result.durationMs / 1000).toFixed(1)} s, $${result.costUsd.toFixed(4)} so far)`}
				: {worker, id, outcome: 'finished', message: `${worker}/${id} finished (${result.status}) before the cancel reached it`};
		}
	}

	return {worker, id, outcome: 'requested', message: `${worker}/${id}: cancel requested; no loop has stopped it yet (is its loop running? the request stands in control/cancel/${worker}/${id}.json)`};
}
