import path from 'node:path';
import type {Config} from '../config/load.ts';
import {findTask, readTaskEntry, type TaskEntry} from '../control/find.ts';
import {readTranscriptTail, runOf} from '../control/transcript.ts';
import {RETRYABLE_STATES} from '../lifecycle/states.ts';
import {entryKindAt} from '../queue/read-file.ts';
import {statPatch} from './patch-file.ts';
import type {TaskIndex} from './task-index.ts';

/** The task `WORKER/ID`, read from where the index says it lies (no listing of results/), else found as spool show finds it. */
export function readEntry(config: Config, index: TaskIndex, worker: string, id: string): TaskEntry {
	const location = index.locate(worker, id);
	const entry = location ? readTaskEntry(location) : undefined;
	// The index may be a moment behind (the file moved on since its last event): then look as spool show does.
	return entry && entryKindAt(entry.file) ? entry : findTask(config, `${worker}/${id}`);
}

/**
 * GET /api/tasks/WORKER/ID: the prompt, the result, every attempt and its error, the questions asked,
 * the cost, the run under way, and which actions apply now.
 */
export function readTaskDetail(config: Config, index: TaskIndex, worker: string, id: string) {
	const entry = readEntry(config, index, worker, id);
	const {layout} = index;
	const {result, task} = entry;
	const ask = entry.state === 'waiting' && task?.ask && typeof task.ask === 'object' ? (task.ask as Record<string, unknown>) : null;
	const run = entry.where === 'running' && entry.attempt !== undefined ? runOf(readTranscriptTail(layout.transcriptFile(worker, id), 64 * 1024)) : undefined;
	const history = result?.history ?? (Array.isArray(task?.history) ? task.history : []);
	const questions = result?.questions ?? (Array.isArray(task?.questions) ? task.questions : []);
	return {
		worker,
		id,
		state: entry.state,
		where: entry.where,
		file: path.relative(config.home, entry.file),
		owner: entry.owner ?? null,
		attempts: entry.attempts,
		costUsd: entry.costUsd,
		workflow: entry.workflow,
		until: entry.until ?? null,
		prompt: typeof task?.prompt === 'string' ? task.prompt : null,
		task: task ?? null,
		result: result ?? null,
		history,
		questions,
		ask,
		run: run ? {startedAt: run.startedAt === undefined ? null : new Date(run.startedAt).toISOString(), tool: run.tool ?? null} : null,
		/** results/W/ID.patch of a repo task: its size and time (GET .../patch reads it). */
		patch: statPatch(layout, worker, id) ?? null,
		hasTranscript: entryKindAt(layout.transcriptFile(worker, id)) !== undefined,
		actions: {
			cancel: entry.where !== 'finished',
			retry: RETRYABLE_STATES.includes(entry.state) && result?.task !== undefined,
			answer: ask !== null && ask.kind !== 'approval',
			approve: ask?.kind === 'approval',
		},
	};
}
