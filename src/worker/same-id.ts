import path from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import type {Claim} from '../lifecycle/index.ts';
import {parseEntryName} from '../lifecycle/names.ts';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty} from '../queue/read-file.ts';

/** How often a claim whose id runs in another loop looks again. */
const POLL_MS = 250;

/**
 * The same id dropped again while another loop runs it: this claim waits (its lease kept by the
 * heartbeat) until the other run has ended, so the later task runs after the first and the first
 * result goes to .history when this one starts, instead of two runs racing for one result file.
 * False when the wait was stopped (shutdown): the claim is to be handed back.
 */
export async function waitForOtherRuns(layout: Layout, claim: Claim, signal: AbortSignal, onWait: () => void): Promise<boolean> {
	for (let waited = false; isRunningElsewhere(layout, claim); waited = true) {
		if (signal.aborted) {
			return false;
		}

		if (!waited) {
			onWait();
		}

		await sleep(POLL_MS, undefined, {signal}).catch(() => undefined);
	}

	return !signal.aborted;
}

/**
 * A claim of this id in another loop's folder that started or is being committed, or that is not started
 * yet and belongs to a loop whose name sorts first: two loops that each hold one unstarted claim of
 * the id never wait for each other. A few small readdirs.
 */
function isRunningElsewhere(layout: Layout, claim: Claim): boolean {
	for (const owner of readdirOrEmpty(layout.processing(claim.worker))) {
		const dir = layout.claims(claim.worker, owner);
		for (const name of readdirOrEmpty(dir)) {
			const entry = parseEntryName(name);
			// A fenced claim under its started name is a commit in progress; one under `ID.json` is a requeue
			// waiting for the name this claim took, which must not be waited for (it waits for this one).
			const blocks =
				(entry.kind === 'started' && entry.id === claim.id)
				|| (entry.kind === 'fenced' && entry.claim.id === claim.id && entry.claim.started !== undefined)
				|| (entry.kind === 'task' && entry.id === claim.id && owner < claim.owner);
			if (blocks && path.join(dir, name) !== claim.file) {
				return true;
			}
		}
	}

	return false;
}
