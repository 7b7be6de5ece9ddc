import {spawn} from 'node:child_process';
import {once} from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import {makeBenchHome, readStarts, taskId, writeTasks} from '../bench-home.ts';
import {nowMs, sleep} from '../clock.ts';
import type {RunnerProcess} from '../runner-process.ts';
import {benchEnv, INSTANT_CLAUDE, startPollingLoop, startSpoolWorker} from '../runners.ts';
import {percentile} from '../stats.ts';

export type Pickup = {label: string; count: number; p50: number; p95: number; p99: number; max: number};

export type PickupRunner = 'native' | 'polling' | 'plain';

const WORKER = 'bench';

/**
 * Drops `count` tasks one at a time, with random gaps so no drop lines up with a timer, into a running
 * queue at concurrency 4, and measures from each rename into tasks/WORKER/ to the fixture's process start.
 * The gaps keep a slot free, so the figure is pickup alone, not waiting in line.
 */
export async function measurePickup(runner: PickupRunner, count: number, gapMs: number): Promise<Pickup> {
	const bench = makeBenchHome({[WORKER]: {concurrency: 4}}, {usePolling: runner === 'polling'});
	const ids = Array.from({length: count}, (_, n) => taskId(n));
	writeTasks(bench.staging, ids);
	const process: RunnerProcess = runner === 'plain' ? startPollingLoop(bench, WORKER, 4) : startSpoolWorker(bench, WORKER);
	try {
		await process.ready();
		await sleep(200); // Let the watcher settle before the first drop.
		const dropped = new Map<string, number>();
		for (const id of ids) {
			dropped.set(id, nowMs());
			fs.renameSync(path.join(bench.staging, `${id}.json`), path.join(bench.tasks(WORKER), `${id}.json`));
			await sleep(gapMs * (0.5 + Math.random()));
		}

		await process.finishedCount(count);
		const starts = readStarts(bench.startLog);
		const latencies = ids.map(id => starts.get(id)! - dropped.get(id)!);
		return summarize(`${runnerLabel[runner]}`, latencies);
	} finally {
		await process.stop();
	}
}

/** The floor under any pickup: from the spawn call (child_process.spawn, as spool does it) to the fixture's start. */
export async function measureSpawnFloor(count: number): Promise<Pickup> {
	const bench = makeBenchHome({[WORKER]: {}});
	const env = benchEnv(bench);
	const spawned = new Map<string, number>();
	for (let n = 0; n < count; n++) {
		const id = taskId(n);
		spawned.set(id, nowMs());
		const child = spawn(INSTANT_CLAUDE, ['--bench-id', id], {env, detached: true, stdio: 'pipe'});
		child.stdout.resume();
		child.stderr.resume();
		child.stdin.end('prompt');
		await once(child, 'close');
	}

	const starts = readStarts(bench.startLog);
	return summarize('floor: a bare spawn → fixture start', [...spawned].map(([id, at]) => starts.get(id)! - at));
}

const runnerLabel: Record<PickupRunner, string> = {
	native: 'spool, native events',
	polling: 'spool, queue.usePolling',
	plain: 'plain 1 s polling loop',
};

function summarize(label: string, latencies: number[]): Pickup {
	const missing = latencies.filter(value => !Number.isFinite(value)).length;
	if (missing > 0) {
		throw new Error(`${label}: ${missing} tasks have no recorded start`);
	}

	return {label, count: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: Math.max(...latencies)};
}
