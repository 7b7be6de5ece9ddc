import fs from 'node:fs/promises';
import path from 'node:path';
import type {Layout} from './layout.ts';
import {listLoops} from './loops.ts';
import {readPause} from './pause.ts';
import {costOf, readResultFile} from './result.ts';
import {isTaskFileName} from '../lifecycle/names.ts';

export type WorkerSnapshot = {
	worker: string;
	/** Worker loops that run (queue/loops.ts): heartbeat younger than the lease, process not proven gone. */
	loops: number;
	pending: number;
	running: number;
	succeeded: number;
	failed: number;
	rejected: number;
	dead: number;
	canceled: number;
	costUsd: number;
	/** Why the worker does not claim, when paused/WORKER.json says it may not. */
	paused: string | null;
};

/** The queue state of one worker, read from the folders alone: what `ls` would show, counted. */
export async function snapshotWorker(layout: Layout, worker: string, leaseMs: number, now = Date.now()): Promise<WorkerSnapshot> {
	const snapshot: WorkerSnapshot = {worker, loops: 0, pending: 0, running: 0, succeeded: 0, failed: 0, rejected: 0, dead: 0, canceled: 0, costUsd: 0, paused: null};
	const pause = readPause(layout.home, worker);
	if (pause) {
		snapshot.paused = `${pause.reason}${pause.until ? ` until ${pause.until}` : ''}: ${pause.message ?? ''}`;
	}

	snapshot.pending = (await listTaskFiles(layout.tasks(worker))).length;
	snapshot.loops = listLoops(layout, worker, leaseMs, now).filter(loop => loop.alive).length;
	for (const owner of (await readdirOrEmpty(layout.processing(worker))).filter(owner => !owner.startsWith('.'))) {
		snapshot.running += (await listTaskFiles(layout.claims(worker, owner))).length;
	}

	for (const name of await listTaskFiles(layout.results(worker))) {
		const result = readResultFile(path.join(layout.results(worker), name));
		if (result) {
			snapshot[result.status] = (snapshot[result.status] ?? 0) + 1;
			snapshot.costUsd += costOf(result);
		}
	}

	return snapshot;
}

/**
 * The folders of tasks/ that name no worker and hold something: what a user dropped there is rejected
 * (by the orchestrator), and the folder is left behind. An empty one, its tasks already rejected, says nothing.
 */
export async function findUnknownFolders(layout: Layout, workers: readonly string[]): Promise<string[]> {
	const folders = await fs.readdir(layout.tasksRoot, {withFileTypes: true}).catch(() => []);
	const unknown = folders.filter(entry => entry.isDirectory() && !entry.name.startsWith('.') && !workers.includes(entry.name)).map(entry => entry.name);
	const held = await Promise.all(unknown.map(async name => (await readdirOrEmpty(path.join(layout.tasksRoot, name))).some(entry => !entry.startsWith('.'))));
	return unknown.filter((_, index) => held[index]).sort();
}

export async function listTaskFiles(dir: string): Promise<string[]> {
	return (await readdirOrEmpty(dir)).filter(name => isTaskFileName(name));
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
	return fs.readdir(dir).catch(() => []);
}
