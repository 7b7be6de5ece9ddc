import {readTaskEntry, type TaskLocation} from '../control/find.ts';
import type {TaskSummary} from './task-query.ts';

const PROMPT_CHARS = 160;

/**
 * A task's row, read from its file by the same reader `spool list` uses; undefined for a file in
 * results/ that is not a spool result (someone put it there), which is no task.
 */
export function summarizeTask(location: TaskLocation, now = Date.now()): TaskSummary | undefined {
	const entry = readTaskEntry(location, now);
	if (entry.where === 'finished' && !entry.result) {
		return undefined;
	}

	const prompt = typeof entry.task?.prompt === 'string' ? entry.task.prompt.replace(/\s+/g, ' ').trim() : '';
	return {
		worker: entry.worker,
		id: entry.id,
		state: entry.state,
		mtimeMs: entry.mtimeMs,
		attempts: entry.attempts,
		costUsd: entry.costUsd,
		workflow: entry.workflow,
		prompt: prompt.length > PROMPT_CHARS ? `${prompt.slice(0, PROMPT_CHARS - 1)}…` : prompt,
		...(entry.result?.error ? {error: entry.result.error.code} : {}),
		...(entry.result ? {finishedAt: entry.result.finishedAt} : {}),
		...(entry.until ? {until: entry.until} : {}),
	};
}
