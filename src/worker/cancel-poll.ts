import type {Logger} from '../log/logger.ts';
import {readCancelRequests} from '../lifecycle/index.ts';
import type {Layout} from '../queue/layout.ts';
import type {StopReason} from './run-task.ts';

/**
 * `spool cancel` of a task a loop runs: one listing of control/cancel/WORKER/ (each second), and each
 * run it names that is not stopped yet is stopped, as canceled. A folder that cannot be read is said and
 * looked at again on the next poll.
 */
export function stopCanceledRuns(layout: Layout, worker: string, running: ReadonlyMap<string, {controller: AbortController}>, logger: Logger): void {
	let requests: Set<string>;
	try {
		requests = readCancelRequests(layout, worker);
	} catch (error) {
		logger.warn({err: error}, 'cannot read the cancel requests; checking again in a second');
		return;
	}

	for (const id of requests) {
		const run = running.get(id);
		if (run && !run.controller.signal.aborted) {
			logger.info({task: id}, 'cancel requested: stopping the run');
			run.controller.abort('cancel' satisfies StopReason);
		}
	}
}
