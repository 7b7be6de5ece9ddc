import type {TaskProbe} from '../control/probe-task.ts';
import {SpoolError} from '../errors.ts';
import {costOf} from '../queue/result.ts';

/** What wait_for_result says about a task: its result once it has one, else where it is and how long was waited. */
export function describeOutcome(worker: string, id: string, found: TaskProbe, waitedMs: number): Record<string, unknown> {
	switch (found.state) {
		case 'finished': {
			const {result} = found;
			return {
				worker,
				id,
				status: result.status,
				result: result.result,
				...(result.structuredOutput === undefined ? {} : {structuredOutput: result.structuredOutput}),
				error: result.error,
				costUsd: costOf(result),
				numTurns: result.numTurns,
				attempts: result.attempts,
				durationMs: result.durationMs,
				sessionId: result.sessionId,
				finishedAt: result.finishedAt,
			};
		}

		case 'pending':
		case 'running': {
			const seconds = Math.round(waitedMs / 1000);
			return {worker, id, status: found.state, message: `still ${found.state} after ${seconds} s; call wait_for_result again to wait longer`};
		}

		case 'unreadable': {
			throw new SpoolError('result_unreadable', `${found.file} exists but is not a spool result`);
		}

		case 'unknown': {
			throw new SpoolError('task_not_found', `no task "${id}" for worker ${worker}: it is not pending, running or finished`);
		}
	}
}
