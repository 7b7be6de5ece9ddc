import type {Layout} from '../queue/layout.ts';
import {entryKindAt, readdirOrEmpty} from '../queue/read-file.ts';
import {claimIdOf} from './names.ts';

/** Where a task that is not finished lies: pending in tasks/W/, or claimed by the loop OWNER. */
export type LiveTask = {where: 'pending'} | {where: 'running'; owner: string};

/**
 * Looks for WORKER's task ID by its own names only: an lstat in tasks/W/, then a listing of each loop's
 * folder in processing/W/ (a claim in any of its forms: claimed, started, being ended, its result staged
 * beside it). Undefined when it is neither pending nor claimed. In the order a task travels, so one that
 * moves on while it is looked for is found further along.
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

	return undefined;
}
