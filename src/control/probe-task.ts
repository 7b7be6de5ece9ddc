import {findLiveTask} from '../lifecycle/index.ts';
import type {Layout} from '../queue/layout.ts';
import {entryKindAt} from '../queue/read-file.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';

/** Where one task is now, by the folder it lies in. `unreadable`: a file at the result's name that is not a spool result. */
export type TaskProbe =
	| {state: 'pending'}
	| {state: 'running'; owner: string}
	| {state: 'waiting'}
	| {state: 'finished'; result: TaskResult}
	| {state: 'unreadable'; file: string}
	| {state: 'unknown'};

/**
 * Where WORKER's task ID is, looked for by its own names only (a stat in tasks/, a listing of each loop's
 * claims, the result): cheap enough to repeat while waiting, where find.ts's locateTasks lists every task
 * of the worker, all of results/ included. It looks in the order a task travels (tasks/, processing/,
 * results/), so one that moves on while it is looked for is found further along. A result counts only
 * while the id is neither pending nor claimed: the same id queued again leaves the earlier result in
 * place until its run starts. The result is read after that second look, so a run that ended in between
 * is the one returned. `unknown` can be a requeue caught between its two folders: a caller looks again
 * before it believes it.
 */
export function probeTask(layout: Layout, worker: string, id: string): TaskProbe {
	const queued = probeQueued(layout, worker, id);
	if (queued) {
		return queued;
	}

	const file = layout.resultFile(worker, id);
	if (!entryKindAt(file)) {
		return {state: 'unknown'};
	}

	const requeued = probeQueued(layout, worker, id);
	if (requeued) {
		return requeued;
	}

	const result = readResultFile(file);
	if (result) {
		return {state: 'finished', result};
	}

	return entryKindAt(file) ? {state: 'unreadable', file} : {state: 'unknown'};
}

function probeQueued(layout: Layout, worker: string, id: string): TaskProbe | undefined {
	const live = findLiveTask(layout, worker, id);
	return live && (live.where === 'running' ? {state: 'running', owner: live.owner} : {state: live.where});
}
