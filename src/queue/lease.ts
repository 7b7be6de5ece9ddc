import fs from 'node:fs';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory} from './atomic-write.ts';
import type {Claim} from './claim.ts';
import {parseClaimName, type ClaimName} from './task-file.ts';

/*
 * A claim ends in exactly one way, decided by one atomic rename: whoever ends it (the loop that holds it,
 * to write its result or requeue it, or a sweeper, because its lease ran out) first renames
 * processing/W/OWNER/ID.json into its own folder as .out-RANDOM-ID.json. Of the racers exactly one
 * rename succeeds; the others find the claim gone and back off. The winner then finishes the hand-off.
 * An .out file left by a crash lies in a folder whose heartbeat stopped, and a later sweep takes it over
 * the same way.
 */

/**
 * Renews a claim's lease by touching it. False when the claim is gone: someone else ended it (fencing).
 * A plain system call, so that it never runs between stampClaim's rename and the new name's record.
 */
export function renewLease(claim: Claim, now = new Date()): boolean {
	try {
		fs.utimesSync(claim.file, now, now);
		return true;
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return false;
		}

		throw error;
	}
}

/**
 * Moves a claim (or a dead loop's .out file) into `intoDir`. Undefined when someone else took it first.
 * `asClaimed` drops the started mark from the name (ID@ATTEMPT.RUNID.json → ID.json): the loop that
 * requeues its own claim writes the new content next, and until then the task is as it was claimed.
 */
export function fenceClaim(file: string, intoDir: string, options: {asClaimed?: boolean} = {}): string | undefined {
	const base = path.basename(file);
	const name = base.startsWith('.out-') ? base.slice(OUT_PREFIX) : base;
	const out = path.join(intoDir, `.out-${randomBytes(4).toString('hex')}-${options.asClaimed ? `${parseClaimName(name).id}.json` : name}`);
	try {
		fs.renameSync(file, out);
		return out;
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return undefined;
		}

		throw error;
	}
}

const OUT_PREFIX = '.out-01234567-'.length;

export function isFencedName(name: string): boolean {
	return name.startsWith('.out-') && name.endsWith('.json');
}

/** The claim a fenced file was: `.out-RANDOM-ID.json` or `.out-RANDOM-ID@ATTEMPT.RUNID.json`. */
export function claimOfFenced(outFile: string): ClaimName {
	return parseClaimName(path.basename(outFile).slice(OUT_PREFIX));
}

/**
 * Moves a fenced file back to tasks/WORKER/ID.json by rename, so the task never has two names (a crash
 * between a link and an unlink would leave a second copy to be run again). A task the user dropped under
 * the same id meanwhile is never replaced: the file stays where it is and a later sweep tries again.
 */
export async function moveIntoQueue(source: string, taskFile: string): Promise<boolean> {
	if (fs.existsSync(taskFile)) {
		return false;
	}

	try {
		fs.renameSync(source, taskFile);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return true; // Another sweeper finished it first.
		}

		throw error;
	}

	await syncDirectory(path.dirname(taskFile));
	return true;
}
