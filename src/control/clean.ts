import fs from 'node:fs';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import {isErrnoCode} from '../errors.ts';
import {archive, findLiveTask} from '../lifecycle/index.ts';
import {parseEntryName} from '../lifecycle/names.ts';
import {createLayout} from '../queue/layout.ts';
import {isObject, readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {readResultFile} from '../queue/result.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';
import {judgeWorktree, removeWorktree} from '../repos/clean-worktree.ts';
import {locateTasks} from './find.ts';

export type CleanKind = 'result' | 'transcript' | 'patch' | 'history' | 'rejected' | 'workspace' | 'worktree';

/** `kept`: a worktree (and its task's result and patch) left in place, and why; `branchKept`: its branch has commits and stays. */
export type CleanItem = {kind: CleanKind; file: string; to: string | null; kept?: string; branchKept?: string};

export type CleanOptions = {olderThanMs: number; dryRun?: boolean; delete?: boolean; now?: number};

/**
 * `spool clean`: moves what finished before the limit out of the queue's folders, into archive/ (the
 * same paths below it), or deletes it. Finished results with their transcripts, the .history of
 * results, rejected originals, and the workspaces of finished tasks. A task that is pending or running
 * (whatever an earlier result of its id says) is never touched, nor its transcript or workspace: that is
 * checked once more right before each move. A file gone meanwhile is skipped. A workflow task's result
 * that is archived can no longer feed `{{tasks.ID.result}}` to a later `spool retry --workflow`.
 */
export async function cleanHome(config: Config, options: CleanOptions): Promise<CleanItem[]> {
	const layout = createLayout(config.home);
	const now = options.now ?? Date.now();
	const before = now - options.olderThanMs;
	const liveLocations = locateTasks(config).filter(location => location.where !== 'finished');
	const live = new Set(liveLocations.map(location => `${location.worker}/${location.id}`));
	const continuing = worktreeUsers(liveLocations);
	const items: Array<{kind: CleanKind; file: string; task?: {worker: string; id: string}}> = [];
	const kept: CleanItem[] = [];
	const worktrees: Array<{worker: string; id: string; verdict: Exclude<Awaited<ReturnType<typeof judgeWorktree>>, {action: 'keep'}>}> = [];
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
			const workspace = layout.workspace(worker, entry.id);
			if (fs.existsSync(layout.worktreeRecord(worker, entry.id))) {
				// A repository worktree: it goes (by git, never moved) only when its change is saved; else the task's files all stay.
				const verdict = await judgeWorktree(layout, worker, entry.id, result, continuing.get(`${worker}/${entry.id}`) ?? []);
				if (verdict.action === 'keep') {
					kept.push({kind: 'worktree', file: workspace, to: null, kept: verdict.reason});
					continue;
				}

				worktrees.push({worker, id: entry.id, verdict});
			} else if (fs.existsSync(workspace)) {
				items.push({kind: 'workspace', file: workspace, task});
			}

			items.push({kind: 'result', file, task});
			const transcript = layout.transcriptFile(worker, entry.id);
			if (fs.existsSync(transcript)) {
				items.push({kind: 'transcript', file: transcript, task});
			}

			const patch = layout.patchFile(worker, entry.id);
			if (fs.existsSync(patch)) {
				items.push({kind: 'patch', file: patch, task});
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
		return [...worktrees.map(({worker, id}) => ({kind: 'worktree' as const, file: layout.workspace(worker, id), to: null})), ...items.map(({kind, file}) => ({kind, file, to: null})), ...kept];
	}

	const done: CleanItem[] = [];
	const removed = new Set<string>();
	for (const {worker, id, verdict} of worktrees) {
		if (findLiveTask(layout, worker, id)) {
			kept.push({kind: 'worktree', file: layout.workspace(worker, id), to: null, kept: 'its id was queued again meanwhile'});
			continue;
		}

		const {branchKept} = await removeWorktree(layout, worker, id, verdict.record, verdict.action === 'remove');
		removed.add(`${worker}/${id}`);
		done.push({kind: 'worktree', file: layout.workspace(worker, id), to: null, ...(branchKept ? {branchKept: verdict.record.branch} : {})});
	}

	for (const {kind, file, task} of items) {
		// Looked at again right before: a task of the id may have been dropped or retried since the listing.
		if (task && findLiveTask(layout, task.worker, task.id)) {
			continue;
		}

		if (task && fs.existsSync(layout.worktreeRecord(task.worker, task.id)) && !removed.has(`${task.worker}/${task.id}`)) {
			continue; // Its worktree stayed: so do its result and patch.
		}

		try {
			done.push({kind, file, to: archive(layout, file, options.delete === true)});
		} catch (error) {
			if (!isErrnoCode(error, 'ENOENT')) {
				throw error;
			}
		}
	}

	return [...done, ...kept];
}

/** Which live tasks are to run in which task's worktree (their `worktreeOf`), by WORKER/ID of that task. */
function worktreeUsers(locations: ReturnType<typeof locateTasks>): Map<string, string[]> {
	const users = new Map<string, string[]>();
	for (const location of locations) {
		const task = readJsonFile(location.file, TASK_LIMITS.maxBytes);
		if (isObject(task) && typeof task.worktreeOf === 'string') {
			users.set(task.worktreeOf, [...(users.get(task.worktreeOf) ?? []), `${location.worker}/${location.id}`]);
		}
	}

	return users;
}
