import fs from 'node:fs';
import path from 'node:path';
import type {Layout} from './layout.ts';
import {OWNER_FILE_NAME} from './layout.ts';
import {judgeOwnerFile, readOwnerFile} from './owner-file.ts';
import {readdirOrEmpty} from './read-file.ts';

/**
 * Whether a loop (a worker loop's claims folder, or the orchestrator's record) still runs, and why that
 * is believed. `gone` is `process` when its owner file proves its process gone, `heartbeat` when its
 * heartbeat (the mtime the loop touches on every lease tick) is older than the lease, `closed` when it
 * removed its folder or record at close. A loop in another container or on another host can only be
 * seen gone by its heartbeat.
 */
export type LoopState = {
	/** `worker NAME` or `orchestrator`. */
	process: string;
	/** The claims folder's name (the loop's owner id), or `orchestrator`. */
	owner: string;
	alive: boolean;
	gone?: 'process' | 'heartbeat' | 'closed';
	why: string;
	/** When its process started (ms since the epoch), when its owner file says. */
	startedAt?: number;
};

/** Every worker loop with a claims folder in processing/WORKER/, alive or not. */
export function listLoops(layout: Layout, worker: string, leaseMs: number, now = Date.now()): LoopState[] {
	const loops: LoopState[] = [];
	for (const owner of readdirOrEmpty(layout.processing(worker)).filter(name => !name.startsWith('.'))) {
		const loop = judgeLoop(`worker ${worker}`, owner, layout.claims(worker, owner), leaseMs, now);
		if (loop.gone !== 'closed') {
			loops.push(loop);
		}
	}

	return loops;
}

/** The orchestrator of the home, from control/orchestrator.json; undefined when none ever ran or it stopped. */
export function findOrchestrator(layout: Layout, leaseMs: number, now = Date.now()): LoopState | undefined {
	// Named by its process, so that an orchestrator started later is not taken for the one asked to stop.
	const record = readOwnerFile(layout.orchestratorFile);
	const owner = record ? `orchestrator-${record.host}-${record.pid}-${record.startTime}` : 'orchestrator';
	const loop = judgePresence('orchestrator', owner, layout.orchestratorFile, layout.orchestratorFile, leaseMs, now, 'file');
	return loop.gone === 'closed' ? undefined : loop;
}

/** One worker loop, by its claims folder: its heartbeat is the folder's mtime, its record the owner file in it. */
export function judgeLoop(processName: string, owner: string, dir: string, leaseMs: number, now = Date.now()): LoopState {
	return judgePresence(processName, owner, dir, path.join(dir, OWNER_FILE_NAME), leaseMs, now, 'directory');
}

/** `heartbeat` must be a real folder (a claims folder) or file (a record), never a symlink: anything else is no loop. */
function judgePresence(processName: string, owner: string, heartbeat: string, ownerFile: string, leaseMs: number, now: number, kind: 'directory' | 'file'): LoopState {
	const base = {process: processName, owner};
	const stat = fs.lstatSync(heartbeat, {throwIfNoEntry: false});
	if (!stat || !(kind === 'directory' ? stat.isDirectory() : stat.isFile())) {
		return {...base, alive: false, gone: 'closed', why: 'stopped (removed at close)'};
	}

	const verdict = judgeOwnerFile(ownerFile);
	const startedAt = verdict.record ? Date.parse(verdict.record.startedAt) : undefined;
	const known = {...base, ...(startedAt !== undefined && Number.isFinite(startedAt) ? {startedAt} : {})};
	if (verdict.kind === 'gone') {
		return {...known, alive: false, gone: 'process', why: verdict.why};
	}

	const ageMs = Math.max(0, now - stat.mtimeMs);
	const age = `heartbeat ${(ageMs / 1000).toFixed(1)} s old`;
	if (ageMs > leaseMs) {
		return {...known, alive: false, gone: 'heartbeat', why: `${age}, past the lease of ${(leaseMs / 1000).toFixed(1)} s`};
	}

	return {...known, alive: true, why: verdict.kind === 'alive' ? `${verdict.why}, ${age}` : age};
}
