import fs from 'node:fs/promises';
import path from 'node:path';
import type {Layout} from './layout.ts';
import {fenceClaim, idOfFenced, linkIntoQueue} from './lease.ts';
import {isTaskFileName, taskIdOf} from './task-file.ts';

export type Expired = {id: string; owner: string; ageMs: number};

/**
 * Hands back the claims whose lease ran out (their loop died or froze), and finishes hand-offs a crash
 * interrupted. The attempt a dead loop was on stays counted. A claim whose attempt already wrote its
 * result (the loop died between result and cleanup) is simply removed.
 */
export async function sweepExpiredClaims(
	layout: Layout,
	worker: string,
	leaseMs: number,
	options: {isRunning: (file: string) => boolean; onRequeue: (expired: Expired) => void},
	now = Date.now(),
): Promise<void> {
	const processing = layout.processing(worker);
	// This loop's own folder too: a claim it no longer runs (a result it could not write) is an orphan.
	for (const owner of (await readdirOrEmpty(processing)).filter(owner => !owner.startsWith('.'))) {
		const dir = layout.claims(worker, owner);
		const names = (await readdirOrEmpty(dir)).filter(name => isTaskFileName(name));
		for (const name of names) {
			const file = path.join(dir, name);
			const stat = await fs.stat(file).catch(() => undefined);
			if (!stat || options.isRunning(file) || now - stat.mtimeMs <= leaseMs) {
				continue;
			}

			const out = await fenceClaim(layout, worker, file);
			if (out && (await finishFenced(layout, worker, out)) === 'requeued') {
				options.onRequeue({id: taskIdOf(name), owner, ageMs: now - stat.mtimeMs});
			}
		}

		if (names.length === 0) {
			await removeStaleDir(dir, leaseMs, now);
		}
	}

	const outDir = path.join(processing, '.out');
	for (const name of (await readdirOrEmpty(outDir)).filter(name => name.endsWith('.json'))) {
		const file = path.join(outDir, name);
		const stat = await fs.stat(file).catch(() => undefined);
		// A young .out file belongs to a live loop in the middle of its hand-off.
		if (stat && now - stat.mtimeMs > leaseMs && (await finishFenced(layout, worker, file)) === 'requeued') {
			options.onRequeue({id: idOfFenced(file), owner: '.out', ageMs: now - stat.mtimeMs});
		}
	}
}

/** A fenced claim whose result exists with its runId is done; any other goes back to the queue. */
async function finishFenced(layout: Layout, worker: string, out: string): Promise<'done' | 'requeued' | 'name-taken'> {
	const id = idOfFenced(out);
	if (await isFinished(layout, worker, id, out)) {
		await fs.rm(out, {force: true});
		return 'done';
	}

	return (await linkIntoQueue(out, path.join(layout.tasks(worker), `${id}.json`))) ? 'requeued' : 'name-taken';
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

async function removeStaleDir(dir: string, leaseMs: number, now: number): Promise<void> {
	const stat = await fs.stat(dir).catch(() => undefined);
	if (stat && now - stat.mtimeMs > leaseMs) {
		await fs.rmdir(dir).catch(() => undefined);
	}
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
	return fs.readdir(dir).catch(() => []);
}
