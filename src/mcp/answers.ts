import type {Config} from '../config/load.ts';
import type {TaskEntry} from '../control/find.ts';
import type {TaskProbe} from '../control/probe-task.ts';
import {SpoolError} from '../errors.ts';
import {pendingStateOf} from '../lifecycle/states.ts';
import {createLayout} from '../queue/layout.ts';
import {isObject, readJsonFile} from '../queue/read-file.ts';
import {costOf} from '../queue/result.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';

/** How much of a prompt `list` shows: enough to tell tasks apart. */
const PROMPT_PREVIEW = 200;

/** What wait_for_result says: the result once there is one, else where the task is and how long was waited. */
export function describeWait(config: Config, worker: string, id: string, found: TaskProbe, waitedMs: number): Record<string, unknown> {
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
			const until = found.state === 'pending' ? delayedUntil(config, worker, id) : undefined;
			const state = until ? `delayed until ${until}` : found.state;
			return {worker, id, status: until ? 'delayed' : found.state, message: `still ${state} after ${seconds} s; call wait_for_result again to wait longer`};
		}

		case 'waiting': {
			const task = readJsonFile(createLayout(config.home).waitingFile(worker, id), TASK_LIMITS.maxBytes);
			const ask = isObject(task) && isObject(task.ask) ? task.ask : undefined;
			const question = typeof ask?.question === 'string' ? ask.question : 'a question';
			return {worker, id, status: 'waiting', question, message: `waiting for a person's answer to its question (${question}); a person answers with spool answer ${worker}/${id} "...", then it resumes`};
		}

		case 'unreadable': {
			throw new SpoolError('result_unreadable', `${found.file} exists but is not a spool result`);
		}

		case 'unknown': {
			throw new SpoolError('task_not_found', `no task "${id}" for worker ${worker}: it is not pending, running or finished`);
		}
	}
}

/** One line of `list`, as data: the task's state and cost, a start of its prompt, how it ended. */
export function summarizeEntry(entry: TaskEntry): Record<string, unknown> {
	const prompt = typeof entry.task?.prompt === 'string' ? entry.task.prompt : null;
	return {
		worker: entry.worker,
		id: entry.id,
		state: entry.state,
		...(entry.until ? {until: entry.until} : {}),
		attempts: entry.attempts,
		costUsd: entry.costUsd,
		workflow: entry.workflow,
		prompt: prompt && prompt.length > PROMPT_PREVIEW ? `${prompt.slice(0, PROMPT_PREVIEW)}…` : prompt,
		...(entry.result ? {error: entry.result.error, finishedAt: entry.result.finishedAt} : {}),
	};
}

function delayedUntil(config: Config, worker: string, id: string): string | undefined {
	const task = readJsonFile(createLayout(config.home).taskFile(worker, id), TASK_LIMITS.maxBytes);
	return pendingStateOf(isObject(task) ? task : {}, Date.now()).until;
}
