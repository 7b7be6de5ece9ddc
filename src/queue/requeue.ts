import fs from 'node:fs/promises';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor} from './atomic-write.ts';
import type {Claim} from './claim.ts';
import type {Layout} from './layout.ts';
import {fenceClaim} from './lease.ts';

export type RequeueOutcome = 'requeued' | 'lease-lost' | 'name-taken';

/**
 * Puts a claimed task back into tasks/WORKER/ID.json with new content (a retry with its history, or the
 * task as it was when it is handed back). The new file is written beside its target, the claim is
 * fenced, and the file is hard-linked into place so it never clobbers a task of the same name. When a
 * user dropped a new task under the same id meanwhile, the fenced claim waits as .out-RANDOM-ID.json and a sweep
 * requeues it once the name is free.
 */
export async function requeueClaim(layout: Layout, claim: Claim, content: unknown): Promise<RequeueOutcome> {
	const target = path.join(layout.tasks(claim.worker), `${claim.id}.json`);
	const temp = tempPathFor(target);
	const handle = await fs.open(temp, 'wx');
	try {
		await handle.writeFile(`${JSON.stringify(content, null, 2)}\n`);
		await handle.sync();
	} finally {
		await handle.close();
	}

	try {
		const out = await fenceClaim(claim.file, path.dirname(claim.file));
		if (!out) {
			return 'lease-lost';
		}

		try {
			await fs.link(temp, target);
		} catch (error) {
			if (isErrnoCode(error, 'EEXIST')) {
				// The fenced claim stays beside the claims; a sweep requeues it once the name is free.
				return 'name-taken';
			}

			throw error;
		}

		await syncDirectory(path.dirname(target));
		await fs.rm(out, {force: true});
		return 'requeued';
	} finally {
		await fs.rm(temp, {force: true});
	}
}
