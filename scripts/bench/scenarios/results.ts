import {spawnSync} from 'node:child_process';
import {linkTasks, makeBenchHome, taskId, type BenchHome} from '../bench-home.ts';
import {measureClaims, type ClaimCost} from '../claims.ts';
import {nowMs} from '../clock.ts';
import {placeResults, writeTodaysLedger} from '../finished-home.ts';
import {benchEnv, SPOOL_BIN, startSpoolWorker} from '../runners.ts';

export type FinishedResults = ClaimCost & {
	/** Finished tasks already present: results/WORKER/ID.json and ID.jsonl each, and as many lines in today's ledger. */
	results: number;
	/** Creating those files (hard links, the ledger written whole), before anything is timed: not spool's cost. */
	createMs: number;
	ledgerMB: number;
	/** `spool status`, spawn to exit, each run (ms). */
	statusMs: number[];
	/** `spool status --json`, the same. */
	statusJsonMs: number[];
};

const WORKER = 'bench';

/**
 * A home where `results` tasks have finished: their results and transcripts in results/WORKER/, their
 * runs in today's ledger. `spool status` (and `--json`) is run `statusRuns` times each as a user runs it,
 * then a worker at concurrency 4 runs `claims` instant tasks with all of that present.
 */
export async function measureResults(results: number, claims: number, statusRuns: number): Promise<FinishedResults> {
	const bench = makeBenchHome({[WORKER]: {concurrency: 4}});
	const createStarted = nowMs();
	placeResults(bench, WORKER, results);
	const ledgerBytes = writeTodaysLedger(bench, WORKER, results);
	linkTasks(bench, bench.tasks(WORKER), Array.from({length: claims}, (_, n) => taskId(n)));
	// On disk before anything is timed: the write-back of what the bench just created is not spool's work.
	spawnSync('sync');
	const createMs = nowMs() - createStarted;
	// Alternated, so that a drift in the machine's load sways both alike.
	const statusMs: number[] = [];
	const statusJsonMs: number[] = [];
	for (let run = 0; run < statusRuns; run++) {
		statusMs.push(timeSpool(bench, ['status']));
		statusJsonMs.push(timeSpool(bench, ['status', '--json']));
	}

	const worker = startSpoolWorker(bench, WORKER);
	try {
		const cost = await measureClaims(bench, worker, claims);
		return {results, createMs, ledgerMB: ledgerBytes / 1e6, statusMs, statusJsonMs, ...cost};
	} finally {
		await worker.stop();
	}
}

/** One spool command as a user runs it (`node bin/spool.js ...` with SPOOL_HOME): spawn to exit, in ms. */
function timeSpool(bench: BenchHome, args: string[]): number {
	const started = nowMs();
	const run = spawnSync(process.execPath, [SPOOL_BIN, ...args], {env: benchEnv(bench), stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024});
	const ms = nowMs() - started;
	if (run.status !== 0) {
		throw new Error(`spool ${args.join(' ')} exited ${run.status ?? run.signal}: ${String(run.stderr).slice(0, 500)}`);
	}

	return ms;
}
