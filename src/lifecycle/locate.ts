import type {Layout} from '../queue/layout.ts';
import {entryKindAt, readdirOrEmpty} from '../queue/read-file.ts';
import {claimIdOf} from './names.ts';

/** Where a task that is not finished lies: pending in tasks/W/, claimed by the loop OWNER, or waiting for a person's answer in waiting/W/. */
export type LiveTask = {where: 'pending'} | {where: 'running'; owner: string} | {where: 'waiting'};

/**
 * Looks for WORKER's task ID by its own names only: an lstat in tasks/W/, then a listing of each loop's
 * folder in processing/W/ (a claim in any of its forms: claimed, started, being ended, its result staged
 * beside it), then waiting/W/. Undefined when it is none of those. In the order a task travels, so one
 * that moves on while it is looked for is found further along; one answered meanwhile (waiting/ back to
 * tasks/) is found by the last look.
 */
export function findLiveTask(layout: Layout, worker: string, id: string): LiveTask | undefined {
	if (entryKindAt(layout.taskFile(worker, id)) !== undefined) {
		return {where: 'pending'};
	}

	for (const owner of readdirOrEmpty(layout.processing(worker))) {
		if (readdirOrEmpty(layout.claims(worker, owner)).some(name => claimIdOf(name) === id)) {
			return {where: 'running', owner};
		}
	}

	// Waiting, or being answered or ended (fenced as .out-RANDOM-ID.json beside it, lifecycle/waiting.ts).
	if (entryKindAt(layout.waitingFile(worker, id)) !== undefined || readdirOrEmpty(layout.waiting(worker)).some(name => claimIdOf(name) === id)) {
		return {where: 'waiting'};
	}

	return entryKindAt(layout.taskFile(worker, id)) === undefined ? undefined : {where: 'pending'};
}
