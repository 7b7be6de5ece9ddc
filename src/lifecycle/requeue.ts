import fs from 'node:fs';
import path from 'node:path';
import {tempPathFor, writeFileDurable} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import type {Claim} from './claim.ts';
import {fenceClaim, moveIntoQueue} from './fence.ts';

export type RequeueOutcome = 'requeued' | 'lease-lost' | 'name-taken';

/**
 * The requeue transition: puts a claimed task back into tasks/WORKER/ID.json with new content (a retry
 * with its history, or the task as it was when it is handed back; `undefined` moves the entry back as it
 * is, unread). The new content is written and fsynced first, beside the claim: a full disk fails here,
 * while the claim is still whole, so its recovery counts the attempt. Then the claim is fenced under its
 * name as claimed and the content renamed over it, two system calls with nothing between (a crash right
 * then requeues the task as it was claimed), and the fenced file is moved into the queue: one file, one
 * name, at every step, so a crash can neither lose the task nor leave a second copy. When a user dropped a
 * new task under the same id meanwhile, the fenced file waits beside the claims and a sweep requeues it
 * once the name is free.
 */
export async function requeueClaim(layout: Layout, claim: Claim, content: unknown): Promise<RequeueOutcome> {
	const staged = content === undefined ? undefined : tempPathFor(claim.file);
	if (staged) {
		await writeFileDurable(staged, `${JSON.stringify(content, null, 2)}\n`).catch(error => {
			fs.rmSync(staged, {force: true});
			throw error;
		});
	}

	const out = fenceClaim(claim.file, path.dirname(claim.file), {asClaimed: true});
	if (!out) {
		if (staged) {
			fs.rmSync(staged, {force: true});
		}

		return 'lease-lost';
	}

	if (staged) {
		fs.renameSync(staged, out);
	}

	return (await moveIntoQueue(out, layout.taskFile(claim.worker, claim.id))) ? 'requeued' : 'name-taken';
}
