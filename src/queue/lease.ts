import fs from 'node:fs/promises';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory} from './atomic-write.ts';
import type {Claim} from './claim.ts';
import type {Layout} from './layout.ts';

/*
 * A claim ends in exactly one way, decided by one atomic rename: whoever ends it (the loop that holds it,
 * to write its result or requeue it, or a sweeper, because its lease ran out) first renames
 * processing/W/OWNER/ID.json to processing/W/.out/RANDOM-ID.json. Of the racers exactly one rename
 * succeeds; the others find the claim gone and back off. The winner then finishes the hand-off from
 * .out/. An .out file left by a crash is finished by a later sweep once it is older than the lease.
 */

/** Renews a claim's lease by touching it. False when the claim is gone: someone else ended it (fencing). */
export async function renewLease(claim: Claim, now = new Date()): Promise<boolean> {
	try {
		await fs.utimes(claim.file, now, now);
		return true;
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return false;
		}

		throw error;
	}
}

/** Takes the claim file out of its owner's folder. Undefined when someone else ended the claim first. */
export async function fenceClaim(layout: Layout, worker: string, claimFile: string): Promise<string | undefined> {
	const outDir = path.join(layout.processing(worker), '.out');
	const out = path.join(outDir, `${randomBytes(4).toString('hex')}-${path.basename(claimFile)}`);
	for (let tries = 0; tries < 2; tries++) {
		try {
			await fs.rename(claimFile, out);
			return out;
		} catch (error) {
			if (isErrnoCode(error, 'ENOENT') && tries === 0 && !(await exists(outDir))) {
				await fs.mkdir(outDir, {recursive: true});
				continue;
			}

			if (isErrnoCode(error, 'ENOENT')) {
				return undefined;
			}

			throw error;
		}
	}

	return undefined;
}

/** The task id of a fenced file: `.out/RANDOM-ID.json`. */
export function idOfFenced(outFile: string): string {
	return path.basename(outFile).slice('01234567-'.length, -'.json'.length);
}

/**
 * Puts a file back as tasks/WORKER/ID.json without clobbering a task the user dropped there since:
 * hard-link, then unlink the source. A crash between the two leaves both names on one inode, which the
 * next attempt recognises. False when another file already holds the name.
 */
export async function linkIntoQueue(source: string, taskFile: string): Promise<boolean> {
	try {
		await fs.link(source, taskFile);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return true; // Another sweeper finished it first.
		}

		if (!isErrnoCode(error, 'EEXIST')) {
			throw error;
		}

		if (!(await isSameFile(source, taskFile))) {
			return false;
		}
	}

	await syncDirectory(path.dirname(taskFile));
	await fs.rm(source, {force: true});
	return true;
}

async function isSameFile(a: string, b: string): Promise<boolean> {
	const [statA, statB] = await Promise.all([fs.stat(a).catch(() => undefined), fs.stat(b).catch(() => undefined)]);
	return Boolean(statA && statB && statA.ino === statB.ino && statA.dev === statB.dev);
}

async function exists(file: string): Promise<boolean> {
	return fs.access(file).then(
		() => true,
		() => false,
	);
}
