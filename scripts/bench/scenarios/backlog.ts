import fs from 'node:fs';
import path from 'node:path';
import {linkTasks, makeBenchHome, readStarts, taskId} from '../bench-home.ts';
import {measureClaims, type ClaimCost} from '../claims.ts';
import {nowMs, sleep} from '../clock.ts';
import {startSpoolWorker} from '../runners.ts';

export type Backlog = ClaimCost & {
	pending: number;
	usePolling: boolean;
	/** Creating the backlog's files (hard links), before the worker starts: not spool's cost. */
	createMs: number;
	/** A task with priority 10 dropped behind the rest of the backlog: drop → its CLI start (ms). */
	priorityPickupMs: number;
	/** Backlog tasks started after that drop and before it: those already claimed when it came (at most the concurrency). */
	priorityOvertaken: number;
};

const WORKER = 'bench';

/**
 * `pending` task files lie in tasks/WORKER/ before the worker starts. It is started, `claims` tasks are
 * run through it at concurrency 4, and it is stopped: the rest of the backlog stays where it is.
 */
export async function measureBacklog(pending: number, claims: number, usePolling = false): Promise<Backlog> {
	const bench = makeBenchHome({[WORKER]: {concurrency: 4}}, {usePolling});
	const createStarted = nowMs();
	linkTasks(bench, bench.tasks(WORKER), Array.from({length: pending}, (_, n) => taskId(n)));
	const createMs = nowMs() - createStarted;
	const worker = startSpoolWorker(bench, WORKER);
	try {
		const cost = await measureClaims(bench, worker, claims);
		const priority = await dropUrgent(bench, WORKER);
		return {pending, usePolling, createMs, ...cost, priorityPickupMs: priority.pickupMs, priorityOvertaken: priority.overtaken};
	} finally {
		await worker.stop();
	}
}

/** Drops one task with a high priority (renamed into place whole) and waits for its CLI to start. */
async function dropUrgent(bench: ReturnType<typeof makeBenchHome>, worker: string): Promise<{pickupMs: number; overtaken: number}> {
	const staged = path.join(bench.staging, 'urgent.json');
	fs.writeFileSync(staged, `${JSON.stringify({prompt: 'benchmark task urgent', priority: 10})}\n`);
	const dropped = nowMs();
	fs.renameSync(staged, path.join(bench.tasks(worker), 'urgent.json'));
	for (const deadline = dropped + 30_000; nowMs() < deadline; await sleep(5)) {
		const starts = readStarts(bench.startLog);
		const urgent = starts.get('urgent');
		if (urgent !== undefined) {
			const overtaken = [...starts.values()].filter(start => start > dropped && start < urgent).length;
			return {pickupMs: urgent - dropped, overtaken};
		}
	}

	throw new Error('the high-priority task did not start within 30 s');
}
