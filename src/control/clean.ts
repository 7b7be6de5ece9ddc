import fs from 'node:fs';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import {isErrnoCode} from '../errors.ts';
import {archive, findLiveTask} from '../lifecycle/index.ts';
import {parseEntryName} from '../lifecycle/names.ts';
import {createLayout} from '../queue/layout.ts';
import {readdirOrEmpty} from '../queue/read-file.ts';
import {readResultFile} from '../queue/result.ts';
import {locateTasks} from './find.ts';

export type CleanKind = 'result' | 'transcript' | 'history' | 'rejected' | 'workspace';

export type CleanItem = {kind: CleanKind; file: string; to: string | null};

export type CleanOptions = {olderThanMs: number; dryRun?: boolean; delete?: boolean; now?: number};

/**
 * `spool clean`: moves what finished before the limit out of the queue's folders, into archive/ (the
 * same paths below it), or deletes it. Finished results with their transcripts, the .history of
 * results, rejected originals, and the workspaces of finished tasks. A task that is pending or running
 * (whatever an earlier result of its id says) is never touched, nor its transcript or workspace: that is
 * checked once more right before each move. A file gone meanwhile is skipped. A workflow task's result
 * that is archived can no longer feed `{{tasks.ID.result}}` to a later `spool retry --workflow`.
 */
export function cleanHome(config: Config, options: CleanOptions): CleanItem[] {
	const layout = createLayout(config.home);
	const now = options.now ?? Date.now();
	const before = now - options.olderThanMs;
	const live = new Set(locateTasks(config).filter(location => location.where !== 'finished').map(location => `${location.worker}/${location.id}`));
	const items: Array<{kind: CleanKind; file: string; task?: {worker: string; id: string}}> = [];
	const old = (file: string) => (fs.lstatSync(file, {throwIfNoEntry: false})?.mtimeMs ?? now) < before;
	for (const worker of Object.keys(config.workers)) {
		for (const name of readdirOrEmpty(layout.results(worker))) {
			const entry = parseEntryName(name);
			if (entry.kind !== 'task' || live.has(`${worker}/${entry.id}`)) {
				continue;
			}

			const file = path.join(layout.results(worker), name);
			const result = readResultFile(file);
			if (!result || Date.parse(result.finishedAt) >= before) {
				continue;
			}

			const task = {worker, id: entry.id};
			items.push({kind: 'result', file, task});
			const transcript = layout.transcriptFile(worker, entry.id);
			if (fs.existsSync(transcript)) {
				items.push({kind: 'transcript', file: transcript, task});
			}

			const workspace = layout.workspace(worker, entry.id);
			if (fs.existsSync(workspace)) {
				items.push({kind: 'workspace', file: workspace, task});
			}
		}

		for (const name of readdirOrEmpty(layout.history(worker)).filter(name => !name.startsWith('.'))) {
			const file = path.join(layout.history(worker), name);
			if (old(file)) {
				items.push({kind: 'history', file});
			}
		}

		for (const name of readdirOrEmpty(layout.rejected(worker)).filter(name => !name.startsWith('.'))) {
			const file = path.join(layout.rejected(worker), name);
			if (old(file)) {
				items.push({kind: 'rejected', file});
			}
		}
	}

	if (options.dryRun) {
		return items.map(({kind, file}) => ({kind, file, to: null}));
	}

	const done: CleanItem[] = [];
	for (const {kind, file, task} of items) {
		// Looked at again right before: a task of the id may have been dropped or retried since the listing.
		if (task && findLiveTask(layout, task.worker, task.id)) {
			continue;
		}

		try {
			done.push({kind, file, to: archive(layout, file, options.delete === true)});
		} catch (error) {
			if (!isErrnoCode(error, 'ENOENT')) {
				throw error;
			}
		}
	}

	return done;
}
