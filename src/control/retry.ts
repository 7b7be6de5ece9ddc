import path from 'node:path';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {retry} from '../lifecycle/index.ts';
import {RETRYABLE_STATES} from '../lifecycle/states.ts';
import {createLayout} from '../queue/layout.ts';
import {findTask, locateTasks, readTaskEntry, type TaskEntry} from './find.ts';
import {requestWorkflowAction} from './workflow-requests.ts';

export type RetryOutcome = {worker: string; id: string; outcome: 'queued' | 'skipped'; message: string};

/** Runs failed, dead or canceled tasks again, each with a fresh attempt budget. */
export async function retryTasks(config: Config, refs: readonly string[]): Promise<RetryOutcome[]> {
	const entries = refs.map(ref => findTask(config, ref));
	const outcomes: RetryOutcome[] = [];
	for (const entry of entries) {
		outcomes.push(await retryEntry(config, entry));
	}

	return outcomes;
}

/** Every dead task of one worker. */
export async function retryDead(config: Config, worker: string): Promise<RetryOutcome[]> {
	const dead = locateTasks(config, [worker]).filter(location => location.where === 'finished').map(location => readTaskEntry(location)).filter(entry => entry.state === 'dead');
	const outcomes: RetryOutcome[] = [];
	for (const entry of dead) {
		outcomes.push(await retryEntry(config, entry));
	}

	return outcomes;
}

/** A workflow's failed and skipped tasks run again; the orchestrator does it at its next scan. */
export async function retryWorkflow(config: Config, workflow: string): Promise<void> {
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
		throw new SpoolError('workflow_task', `${worker}/${id} belongs to workflow "${entry.workflow}": retry the workflow with "spool retry --workflow ${entry.workflow}", which runs its failed and skipped tasks again and keeps the results of the others`);
	}

	const outcome = await retry(createLayout(config.home), {...result, task: result.task});
	if (outcome.kind === 'pending') {
		return skip(`a task of the same id is pending already (tasks/${worker}/${id}.json)`);
	}

	return {worker, id, outcome: 'queued', message: `${worker}/${id} queued again (${path.relative(config.home, outcome.file)}); its earlier result moved to results/${worker}/.history/`};
}
