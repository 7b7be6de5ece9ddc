import path from 'node:path';
import {parseEntryName} from '../lifecycle/names.ts';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';
import {validateTask, type Task} from '../queue/task-schema.ts';
import type {AskRecord} from './ask-record.ts';

/** A task in waiting/W/: its file, and the task read through its schema, with the question it waits on. */
export type WaitingTask = {worker: string; id: string; file: string; task: Task & {ask: AskRecord}};

/** The tasks of these workers that wait for a person's answer, oldest question first; a file that is not a waiting task is skipped. */
export function readWaitingTasks(layout: Layout, workers: readonly string[]): WaitingTask[] {
	const found: WaitingTask[] = [];
	for (const worker of workers) {
		for (const name of readdirOrEmpty(layout.waiting(worker))) {
			const entry = parseEntryName(name);
			if (entry.kind !== 'task') {
				continue;
			}

			const file = path.join(layout.waiting(worker), name);
			const checked = validateTask(readJsonFile(file, TASK_LIMITS.maxBytes));
			if (checked.ok && checked.task.ask) {
				found.push({worker, id: entry.id, file, task: checked.task as WaitingTask['task']});
			}
		}
	}

	return found.sort((a, b) => a.task.ask.askedAt.localeCompare(b.task.ask.askedAt) || `${a.worker}/${a.id}`.localeCompare(`${b.worker}/${b.id}`));
}
