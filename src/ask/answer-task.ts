import type {Config} from '../config/load.ts';
import type {TaskEntry} from '../control/find.ts';
import {SpoolError} from '../errors.ts';
import {answerQuestion, type AnswerOutcome} from './answer.ts';

/**
 * `spool answer` and the dashboard's answer: the task must wait on a question (an approval is approved
 * or denied, below), then answerQuestion queues it to resume. `by` is who answered ("command", "dashboard").
 */
export async function answerWaitingTask(config: Config, entry: TaskEntry, text: string, by: string): Promise<AnswerOutcome> {
	const asked = entry.task?.ask as {answer?: unknown; answeredBy?: unknown} | undefined;
	if (entry.state !== 'waiting' && typeof asked?.answer === 'string') {
		throw new SpoolError('already_answered', `${entry.worker}/${entry.id} was answered already (by ${String(asked.answeredBy)}); it is ${entry.state}, to resume its session with that answer`);
	}

	if (entry.state !== 'waiting') {
		throw new SpoolError('not_waiting', `${entry.worker}/${entry.id} is ${entry.state}, not waiting for an answer; only a task whose agent asked a question can be answered`);
	}

	return answerQuestion(config, {worker: entry.worker, id: entry.id}, text, by);
}

/** `spool approve` / `spool deny` and the dashboard's buttons: a person's yes or no to a command of policy.ask that waits for it. */
export async function decideApproval(config: Config, entry: TaskEntry, decision: 'approve' | 'deny', why: string | undefined, by: string): Promise<AnswerOutcome> {
	const ask = entry.task?.ask as {kind?: unknown} | undefined;
	if (entry.state !== 'waiting' || ask?.kind !== 'approval') {
		throw new SpoolError('not_waiting', `${entry.worker}/${entry.id} is ${entry.state}${entry.state === 'waiting' ? ' for an answer to a question (spool answer answers it)' : ''}, not waiting for approval of a command`);
	}

	return answerQuestion(config, {worker: entry.worker, id: entry.id}, decision === 'approve' ? 'approve' : `deny ${why ?? ''}`.trim(), by);
}
