import fs from 'node:fs';
import path from 'node:path';
import {crashPoint} from '../crash-points.ts';
import {tempPathFor, writeFileDurable} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import type {Claim} from './claim.ts';
import {fenceClaim, moveIntoQueue} from './fence.ts';

export type ParkOutcome = 'parked' | 'lease-lost' | 'name-taken';

/**
 * The park transition: a claimed task whose agent asked a person a question moves to waiting/W/ID.json,
 * its `ask` in it, and no process waits for the answer. The same steps as requeue (requeue.ts): the new
 * content is written and fsynced beside the claim, the claim fenced and the content renamed over it, then
 * the file linked into waiting/. A crash between leaves the fenced file, which a sweep moves back into
 * tasks/: a task whose `ask` has no answer is parked again when claimed, without a run.
 */
export async function parkClaim(layout: Layout, claim: Claim, content: Record<string, unknown>): Promise<ParkOutcome> {
	const staged = tempPathFor(claim.file);
	await writeFileDurable(staged, `${JSON.stringify(content, null, 2)}\n`).catch(error => {
		fs.rmSync(staged, {force: true});
		throw error;
	});
	const out = fenceClaim(claim.file, path.dirname(claim.file), {asClaimed: true});
	if (!out) {
		fs.rmSync(staged, {force: true});
		return 'lease-lost';
	}

	fs.renameSync(staged, out);
	crashPoint('after-park-fence');
	return (await moveIntoQueue(out, layout.waitingFile(claim.worker, claim.id))) ? 'parked' : 'name-taken';
}
