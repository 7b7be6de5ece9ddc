import path from 'node:path';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import type {Claim} from './claim.ts';
import {fenceClaim, moveIntoQueue} from './fence.ts';

export type RequeueOutcome = 'requeued' | 'lease-lost' | 'name-taken';

/**
 * The requeue transition: puts a claimed task back into tasks/WORKER/ID.json with new content (a retry
 * with its history, or the task as it was when it is handed back). The claim is fenced first, under its
 * name as claimed (a crash right then requeues the task as it was claimed, this attempt not counted); the
 * fenced file, now this loop's alone, gets the new content, and is renamed into the queue: one file, one
 * name, at every step, so a crash can neither lose the task nor leave a second copy. When a user dropped
 * a new task under the same id meanwhile, the fenced file waits beside the claims and a sweep requeues it
 * once the name is free.
 */
export async function requeueClaim(layout: Layout, claim: Claim, content: unknown): Promise<RequeueOutcome> {
	const out = fenceClaim(claim.file, path.dirname(claim.file), {asClaimed: true});
	if (!out) {
		return 'lease-lost';
	}

	await writeJsonAtomic(out, content);
	return (await moveIntoQueue(out, layout.taskFile(claim.worker, claim.id))) ? 'requeued' : 'name-taken';
}
