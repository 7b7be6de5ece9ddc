import {readStarts, type BenchHome} from './bench-home.ts';
import {cpuSince, readCpu, readPeakRssMB} from './proc.ts';
import type {RunnerProcess} from './runner-process.ts';

/** What a worker's claims cost, measured over the claims after its first (start-up left out). */
export type ClaimCost = {
	/** Process spawn → "worker loop started" logged. */
	readyMs: number;
	/** Process spawn → the first fixture's start: the first claim and its run's spawn, an upper bound. */
	firstClaimMs: number;
	/** Wall time per claim over the measured claims after the first. */
	claimWallMs: number;
	/** The worker process's own CPU per claim over the same claims (its children not counted). */
	claimCpuMs: number;
	peakRssMB: number;
};

/**
 * Follows a started worker through its first `claims` finished tasks (which must be waiting for it):
 * CPU from /proc between the first and the last, wall time between their fixtures' starts.
 */
export async function measureClaims(bench: BenchHome, worker: RunnerProcess, claims: number): Promise<ClaimCost> {
	const readyAt = await worker.ready();
	await worker.finishedCount(1);
	const before = readCpu(worker.pid);
	await worker.finishedCount(claims);
	const cpu = cpuSince(before, readCpu(worker.pid));
	const peakRssMB = readPeakRssMB(worker.pid);
	// This worker's own: a home may have had workers before it.
	const starts = [...readStarts(bench.startLog).values()].filter(start => start >= worker.spawnedAt).sort((a, b) => a - b).slice(0, claims);
	const first = starts[0]!;
	return {
		readyMs: readyAt - worker.spawnedAt,
		firstClaimMs: first - worker.spawnedAt,
		claimWallMs: (starts.at(-1)! - first) / (starts.length - 1),
		claimCpuMs: (cpu.self * 1000) / (claims - 1),
		peakRssMB,
	};
}
