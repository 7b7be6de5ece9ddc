import {spawnSync} from 'node:child_process';
import {linkTasks, makeBenchHome, taskId, type BenchHome} from '../bench-home.ts';
import {measureClaims, type ClaimCost} from '../claims.ts';
import {nowMs} from '../clock.ts';
import {placeResults, writeTodaysLedger} from '../finished-home.ts';
import {benchEnv, SPOOL_BIN, startSpoolWorker} from '../runners.ts';

export type FinishedResults = {
	/** Finished tasks already present: results/WORKER/ID.json and ID.jsonl each, and as many lines in today's ledger. */
	results: number;
	/** Creating those files (hard links, the ledger written whole), before anything is timed: not spool's cost. */
	createMs: number;
	ledgerMB: number;
	/** `spool status`, spawn to exit, each run (ms). */
	statusMs: number[];
	/** `spool status --json`, the same. */
	statusJsonMs: number[];
	/** Each worker round: a fresh worker process through `claims` new tasks. */
	rounds: ClaimCost[];
};

export type ResultsOptions = {claims: number; statusRuns: number; rounds: number; progress(text: string): void};

const WORKER = 'bench';

/**
 * For each size, a home where that many tasks have finished: their results and transcripts in
 * results/WORKER/, their runs in today's ledger. `spool status` (and `--json`) is run `statusRuns` times
 * each as a user runs it. Then, in rounds, a worker at concurrency 4 runs `claims` instant tasks in each
 * home; the homes take turns in an order that reverses each round (1k, 100k, 100k, 1k...), so that a
 * drift in the machine's load, or whatever the first worker leaves behind, sways no size more than another.
 */
export async function measureResults(sizes: readonly number[], options: ResultsOptions): Promise<FinishedResults[]> {
	const rows = sizes.map(results => {
		options.progress(`${results} finished results: creating them, then spool status ${options.statusRuns} times`);
		return prepareHome(results, options.statusRuns);
	});
	for (let round = 0; round < options.rounds; round++) {
		for (const {bench, row} of round % 2 === 0 ? rows : [...rows].reverse()) {
			options.progress(`${row.results} finished results: worker round ${round + 1}/${options.rounds}, ${options.claims} claims`);
			row.rounds.push(await measureRound(bench, round, options.claims));
		}
	}

	return rows.map(({row}) => row);
}

function prepareHome(results: number, statusRuns: number): {bench: BenchHome; row: FinishedResults} {
	const bench = makeBenchHome({[WORKER]: {concurrency: 4}});
	const createStarted = nowMs();
	placeResults(bench, WORKER, results);
	const ledgerBytes = writeTodaysLedger(bench, WORKER, results);
	// On disk before anything is timed: the write-back of what the bench just created is not spool's work.
	spawnSync('sync');
	const createMs = nowMs() - createStarted;
	const row: FinishedResults = {results, createMs, ledgerMB: ledgerBytes / 1e6, statusMs: [], statusJsonMs: [], rounds: []};
	// Alternated, so that a drift in the machine's load sways both alike.
	for (let run = 0; run < statusRuns; run++) {
		row.statusMs.push(timeSpool(bench, ['status']));
		row.statusJsonMs.push(timeSpool(bench, ['status', '--json']));
	}

	return {bench, row};
}

/** New tasks in tasks/WORKER/ (names no round used), a worker started on them, measured, stopped. */
async function measureRound(bench: BenchHome, round: number, claims: number): Promise<ClaimCost> {
	linkTasks(bench, bench.tasks(WORKER), Array.from({length: claims}, (_, n) => taskId(round * claims + n)));
	spawnSync('sync');
	const worker = startSpoolWorker(bench, WORKER);
	try {
		return await measureClaims(bench, worker, claims);
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
