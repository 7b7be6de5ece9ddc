import path from 'node:path';
import type {Config} from '../config/load.ts';
import {retry} from '../lifecycle/index.ts';
import {RETRYABLE_STATES} from '../lifecycle/states.ts';
import {createLayout} from '../queue/layout.ts';
import {findTask, locateTasks, readTaskEntry, type TaskEntry} from './find.ts';
import {SpoolError} from '../errors.ts';
import {requestWorkflowAction} from '../orchestrator/request-file.ts';
import {retryState} from '../orchestrator/requests.ts';
import {readState} from '../orchestrator/state.ts';
import {createWorkflowLayout} from '../orchestrator/store.ts';

export type RetryOutcome = {worker: string; id: string; outcome: 'queued' | 'skipped'; message: string};

/** Runs failed, dead or canceled tasks again, each with a fresh attempt budget. */
export async function retryTasks(config: Config, refs: readonly string[]): Promise<RetryOutcome[]> {
	const entries = refs.map(ref => findTask(config, ref));
	// A task named twice is retried once.
	return retryEach(config, entries.filter((entry, index) => entries.findIndex(other => other.worker === entry.worker && other.id === entry.id) === index));
}

/** Every dead task of one worker. */
export async function retryDead(config: Config, worker: string): Promise<RetryOutcome[]> {
	const dead = locateTasks(config, [worker]).filter(location => location.where === 'finished').map(location => readTaskEntry(location)).filter(entry => entry.state === 'dead');
	return retryEach(config, dead);
}

async function retryEach(config: Config, entries: readonly TaskEntry[]): Promise<RetryOutcome[]> {
	const outcomes: RetryOutcome[] = [];
	for (const entry of entries) {
		outcomes.push(await retryEntry(config, entry));
	}

	return outcomes;
}

/** A workflow's failed and skipped tasks run again; the orchestrator does it at its next scan. */
export async function retryWorkflow(config: Config, workflow: string): Promise<void> {
	const state = readState(createWorkflowLayout(config.home), workflow);
	if (state && retryState(state) === state) {
		throw new SpoolError('nothing_to_retry', `workflow "${workflow}" has no failed or skipped task to run again (it is ${state.status})`);
	}

	await requestWorkflowAction(config, workflow, 'retry');
}

async function retryEntry(config: Config, entry: TaskEntry): Promise<RetryOutcome> {
	const {worker, id, result} = entry;
	const skip = (message: string): RetryOutcome => ({worker, id, outcome: 'skipped', message: `${worker}/${id}: ${message}`});
	if (!RETRYABLE_STATES.includes(entry.state)) {
		if (entry.state === 'rejected') {
			return skip(`was rejected (${result?.error?.message ?? 'see its result'}); fix the original in ${result?.rejectedFile ?? 'rejected/'} and drop it into tasks/${worker}/ again`);
		}

		return skip(`is ${entry.state}; only ${RETRYABLE_STATES.join(', ')} tasks are retried`);
	}

	if (!result?.task) {
		return skip('its result holds no copy of the task (written by an older spool), so it cannot be queued again from it');
	}

	if (entry.workflow && typeof result.metadata?.workflowRun === 'string') {
		return skip(`belongs to workflow "${entry.workflow}": retry the workflow with "spool retry --workflow ${entry.workflow}", which runs its failed and skipped tasks again and keeps the results of the others`);
	}

	const outcome = await retry(createLayout(config.home), {...result, task: result.task});
	if (outcome.kind === 'pending') {
		return skip(`a task of the same id is pending already (tasks/${worker}/${id}.json)`);
	}

	if (outcome.kind === 'gone') {
		return skip('its result changed meanwhile (retried already, or the id ran again); see spool show');
	}

	return {worker, id, outcome: 'queued', message: `${worker}/${id} queued again (${path.relative(config.home, outcome.file)}); its earlier result moved to results/${worker}/.history/`};
}
