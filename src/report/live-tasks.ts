import path from 'node:path';
import {parseEntryName} from '../lifecycle/names.ts';
import {pendingStateOf} from '../lifecycle/states.ts';
import type {Layout} from '../queue/layout.ts';
import {isObject, readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';

export type RunningTask = {worker: string; id: string; attempt: number | null; workflow: string | null};

/** What runs and waits as the report is written: the claims in processing/, and the task files in tasks/. */
export type LiveTasks = {
	running: RunningTask[];
	/** Per worker, the names of its task files (pending or delayed), unread. */
	queued: Map<string, string[]>;
};

/** Listings only, and a read of each claim (a few, one per running claude): never a read of the backlog. */
export function readLiveTasks(layout: Layout, workers: readonly string[]): LiveTasks {
	const live: LiveTasks = {running: [], queued: new Map()};
	for (const worker of workers) {
		for (const owner of readdirOrEmpty(layout.processing(worker)).filter(name => !name.startsWith('.'))) {
			for (const name of readdirOrEmpty(layout.claims(worker, owner))) {
				const entry = parseEntryName(name);
				if (entry.kind === 'task' || entry.kind === 'started') {
					const task = readJsonFile(path.join(layout.claims(worker, owner), name), TASK_LIMITS.maxBytes);
					const metadata = isObject(task) && isObject(task.metadata) ? task.metadata : undefined;
					live.running.push({
						worker,
						id: entry.id,
						attempt: entry.kind === 'started' ? entry.started.attempt : null,
						workflow: typeof metadata?.workflow === 'string' ? metadata.workflow : null,
					});
				}
			}
		}

		live.queued.set(
			worker,
			readdirOrEmpty(layout.tasks(worker)).filter(name => parseEntryName(name).kind === 'task'),
		);
	}

	return live;
}

/** Whether a task file of the queue is claimable now or held by its `notBefore` or retry backoff. */
export function queuedStateOf(layout: Layout, worker: string, id: string, now: number): 'pending' | 'delayed' {
	const task = readJsonFile(layout.taskFile(worker, id), TASK_LIMITS.maxBytes);
	return pendingStateOf(isObject(task) ? task : {}, now).state;
}
