import type {Config} from '../config/load.ts';
import type {QueueState} from '../lifecycle/states.ts';
import {locateTasks, readTaskEntry, type TaskEntry} from './find.ts';

export type ListFilter = {worker?: string; state?: QueueState; workflow?: string; limit?: number};

export type Listing = {
	tasks: TaskEntry[];
	/** Tasks the worker and workflow filters let through, before the state filter and the limit. */
	total: number;
	/** More tasks match beyond the limit. */
	more: boolean;
};

/**
 * The tasks, newest first (by the mtime of the file that holds each one's state), read only as far as the
 * page needs: a results folder of 100,000 files costs a listing and one lstat each, and as many reads
 * as the page shows (more with a state filter, which must read to know).
 */
export function listTasks(config: Config, filter: ListFilter = {}): Listing {
	const limit = filter.limit ?? 50;
	const located = locateTasks(config, filter.worker ? [filter.worker] : undefined)
		// A workflow's tasks are named WORKFLOW--TASK: a cheap first sift; their metadata decides.
		.filter(location => filter.workflow === undefined || location.id.startsWith(`${filter.workflow}--`))
		.sort((a, b) => b.mtimeMs - a.mtimeMs);
	const tasks: TaskEntry[] = [];
	let more = false;
	for (const location of located) {
		const entry = readTaskEntry(location);
		if (entry.where === 'finished' && !entry.result) {
			continue; // Not a spool result (a file someone put there): not a task.
		}

		if ((filter.state !== undefined && entry.state !== filter.state) || (filter.workflow !== undefined && entry.workflow !== filter.workflow)) {
			continue;
		}

		if (limit > 0 && tasks.length >= limit) {
			more = true;
			break;
		}

		tasks.push(entry);
	}

	return {tasks, total: located.length, more};
}
