import fs from 'node:fs/promises';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory} from './atomic-write.ts';
import type {Claim} from './claim.ts';
import type {Layout} from './layout.ts';
import {isTaskFileName, taskIdOf} from './task-file.ts';

/** Renews a claim's lease by touching it. False when the claim is gone: a sweeper took it over (fencing). */
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

/** True while the claim file still lies in this loop's folder. */
export async function holdsLease(claim: Claim): Promise<boolean> {
	try {
		await fs.stat(claim.file);
		return true;
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return false;
		}

		throw error;
	}
}

/**
 * Puts a claimed file back into tasks/WORKER/ without clobbering a task the user dropped there since:
 * hard-link, then unlink the claim. A crash between the two leaves both names on one inode, which the
 * next sweep recognises. Returns false when another file already holds the name.
 */
export async function requeueFile(claimFile: string, taskFile: string): Promise<boolean> {
	try {
		await fs.link(claimFile, taskFile);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return true; // Another sweeper moved it first.
		}

		if (!isErrnoCode(error, 'EEXIST')) {
			throw error;
		}

		if (!(await isSameFile(claimFile, taskFile))) {
			return false;
		}
	}

	await syncDirectory(path.dirname(taskFile));
	await fs.rm(claimFile, {force: true});
	return true;
}

export type Expired = {id: string; owner: string; file: string; ageMs: number};

/**
 * Finds claims of other loops of this worker whose lease ran out (their loop died or froze) and hands
 * them back to the queue. The attempt they were on stays counted. A claim whose attempt already wrote its
 * result (the loop died between result and cleanup) is simply removed.
 */
export async function sweepExpiredClaims(
	layout: Layout,
	worker: string,
	leaseMs: number,
	options: {isRunning: (file: string) => boolean; onRequeue: (expired: Expired) => void},
	now = Date.now(),
): Promise<void> {
	let owners: string[];
	try {
		owners = await fs.readdir(layout.processing(worker));
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return;
		}

		throw error;
	}

	// This loop's own folder too: a claim it no longer runs (a result it could not write) is an orphan.
	for (const owner of owners.filter(owner => !owner.startsWith('.'))) {
		const dir = layout.claims(worker, owner);
		let names: string[];
		try {
			names = await fs.readdir(dir);
		} catch {
			continue;
		}

		for (const name of names.filter(name => isTaskFileName(name))) {
			const file = path.join(dir, name);
			if (options.isRunning(file)) {
				continue;
			}

			const stat = await fs.stat(file).catch(() => undefined);
			if (!stat || now - stat.mtimeMs <= leaseMs) {
				continue;
			}

			const id = taskIdOf(name);
			if (await isFinished(layout, worker, id, file)) {
				await fs.rm(file, {force: true});
				continue;
			}

			if (await requeueFile(file, path.join(layout.tasks(worker), name))) {
				options.onRequeue({id, owner, file, ageMs: now - stat.mtimeMs});
			}
		}

		if (names.length === 0 || (await fs.readdir(dir).catch(() => ['?'])).length === 0) {
			await removeStaleOwnerDir(dir, leaseMs, now);
		}
	}
}

async function removeStaleOwnerDir(dir: string, leaseMs: number, now: number): Promise<void> {
	const stat = await fs.stat(dir).catch(() => undefined);
	if (stat && now - stat.mtimeMs > leaseMs) {
		await fs.rmdir(dir).catch(() => undefined);
	}
}

async function isFinished(layout: Layout, worker: string, id: string, claimFile: string): Promise<boolean> {
	try {
		const claim = JSON.parse(await fs.readFile(claimFile, 'utf8')) as {runId?: unknown};
		const result = JSON.parse(await fs.readFile(layout.resultFile(worker, id), 'utf8')) as {runId?: unknown};
		return typeof claim.runId === 'string' && claim.runId === result.runId;
	} catch {
		return false;
	}
}

async function isSameFile(a: string, b: string): Promise<boolean> {
	const [statA, statB] = await Promise.all([fs.stat(a).catch(() => undefined), fs.stat(b).catch(() => undefined)]);
	return Boolean(statA && statB && statA.ino === statB.ino && statA.dev === statB.dev);
}
