import type {Config} from '../config/load.ts';
import {answerWaitingTask, decideApproval} from '../ask/answer-task.ts';
import {cancelTasks} from '../control/cancel.ts';
import {retryTasks} from '../control/retry.ts';
import {SpoolError} from '../errors.ts';
import type {TaskIndex} from './task-index.ts';
import {readEntry} from './task-detail.ts';

export const ACTIONS = ['cancel', 'retry', 'answer', 'approve', 'deny'] as const;
export type Action = (typeof ACTIONS)[number];

/** What an action answers: `ok` false when it was refused by the task's state (the message says why). */
export type ActionOutcome = {ok: boolean; outcome: string; message: string};

/** How long a cancel waits for the loop of a running task before it answers "requested"; the page sees the rest live. */
const CANCEL_WAIT_MS = 4000;

/** POST /api/tasks/WORKER/ID/ACTION: each calls what the CLI command of that name calls. */
export async function runAction(config: Config, index: TaskIndex, action: Action, worker: string, id: string, body: Record<string, unknown>): Promise<ActionOutcome> {
	const ref = `${worker}/${id}`;
	switch (action) {
		case 'cancel': {
			const [outcome] = await cancelTasks(config, [ref], {waitMs: CANCEL_WAIT_MS});
			return {ok: outcome!.outcome !== 'finished', outcome: outcome!.outcome, message: outcome!.message};
		}

		case 'retry': {
			const [outcome] = await retryTasks(config, [ref]);
			return {ok: outcome!.outcome === 'queued', outcome: outcome!.outcome, message: outcome!.message};
		}

		case 'answer': {
			const text = stringField(body, 'text', true);
			const outcome = await answerWaitingTask(config, readEntry(config, index, worker, id), text!, 'dashboard');
			return {ok: outcome.outcome === 'queued', outcome: outcome.outcome, message: outcome.message};
		}

		case 'approve':
		case 'deny': {
			const why = action === 'deny' ? stringField(body, 'why', false) : undefined;
			const outcome = await decideApproval(config, readEntry(config, index, worker, id), action, why, 'dashboard');
			return {ok: outcome.outcome === 'queued', outcome: outcome.outcome, message: outcome.message};
		}
	}
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
	const value = body[name];
	if (value === undefined && !required) {
		return undefined;
	}

	if (typeof value !== 'string') {
		throw new SpoolError('bad_body', `the body's "${name}" must be a string${required ? '' : ' when given'}; got ${value === undefined ? 'none' : JSON.stringify(value).slice(0, 40)}`);
	}

	return value;
}
