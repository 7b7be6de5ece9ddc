import fs from 'node:fs/promises';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor} from './atomic-write.ts';
import type {Claim} from './claim.ts';
import type {Layout} from './layout.ts';
import {holdsLease} from './lease.ts';

export type RequeueOutcome = 'requeued' | 'lease-lost' | 'name-taken';

/**
 * Puts a claimed task back into tasks/WORKER/ID.json with new content (a retry with its history, or the
 * task as it was when it is handed back). The new file is written beside its target, fenced by the
 * lease, and hard-linked into place so it never clobbers a file of the same name; only then does the
 * claim go. When a user dropped a new task under the same id meanwhile, the claim stays: its lease runs
 * out and a sweep requeues it once the name is free.
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
		if (!(await holdsLease(claim))) {
			return 'lease-lost';
		}

		try {
			await fs.link(temp, target);
		} catch (error) {
			if (isErrnoCode(error, 'EEXIST')) {
				return (await holdsLease(claim)) ? 'name-taken' : 'lease-lost';
			}

			throw error;
		}

		await syncDirectory(path.dirname(target));
	} finally {
		await fs.rm(temp, {force: true});
	}

	await fs.rm(claim.file, {force: true});
	return 'requeued';
}
