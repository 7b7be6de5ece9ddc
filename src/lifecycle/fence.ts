import fs from 'node:fs';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory} from '../queue/atomic-write.ts';
import type {Claim} from './claim.ts';
import {fencedPath, parseClaimName, parseEntryName, taskFileName} from './names.ts';

/*
 * A claim ends in exactly one way, decided by one atomic rename: whoever ends it (the loop that holds it,
 * to write its result or requeue it, or a sweeper, because its lease ran out) first renames
 * processing/W/OWNER/CLAIM into its own folder as .out-RANDOM-CLAIM. Of the racers exactly one rename
 * succeeds; the others find the claim gone and back off. The winner then finishes the hand-off. An .out
 * file left by a crash lies in a folder whose heartbeat stopped, and a later sweep takes it over the same way.
 */

/**
 * Renews a claim's lease by touching it. False when the claim is gone: someone else ended it (fencing).
 * A plain system call, so that it never runs between start's rename and the new name's record.
 */
export function renewLease(claim: Claim, now = new Date()): boolean {
	try {
		fs.lutimesSync(claim.file, now, now);
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
 * `as` gives the fenced file another claim name (an unsafe name too long to take the prefix).
 */
export function fenceClaim(file: string, intoDir: string, options: {asClaimed?: boolean; as?: string} = {}): string | undefined {
	const entry = parseEntryName(path.basename(file));
	const claimName = entry.kind === 'fenced' ? entry.claimName : path.basename(file);
	const out = fencedPath(intoDir, options.as ?? (options.asClaimed ? taskFileName(parseClaimName(claimName).id) : claimName));
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

/** Takes a fence back: the claim's hand-off could not finish now (its result cannot be written yet), and it stays this loop's claim. */
export function unfenceClaim(out: string, claimFile: string): void {
	fs.renameSync(out, claimFile);
}

/**
 * Moves a fenced file back to tasks/WORKER/ID.json: a hard link, which never replaces an entry of that
 * name (a task the user dropped under the same id meanwhile, even a dangling symlink), then the fenced
 * name is removed. A crash between the two leaves one file under two names; the next try sees the task
 * file is the same inode and only removes the fenced name. When the name is taken by another file, the
 * fenced file stays where it is and a later sweep tries again.
 */
export async function moveIntoQueue(source: string, taskFile: string): Promise<boolean> {
	fs.mkdirSync(path.dirname(taskFile), {recursive: true});
	try {
		fs.linkSync(source, taskFile);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return true; // Another sweeper finished it first.
		}

		if (!isErrnoCode(error, 'EEXIST')) {
			throw error;
		}

		const queued = fs.lstatSync(taskFile, {throwIfNoEntry: false});
		const fenced = fs.lstatSync(source, {throwIfNoEntry: false});
		if (!queued || !fenced || queued.ino !== fenced.ino) {
			return false;
		}
	}

	fs.rmSync(source, {force: true});
	await syncDirectory(path.dirname(taskFile));
	return true;
}
