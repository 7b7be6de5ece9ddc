import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {BenchHome} from './bench-home.ts';
import {RunnerProcess} from './runner-process.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SPOOL_BIN = path.join(ROOT, 'bin', 'spool.js');
export const INSTANT_CLAUDE = path.join(ROOT, 'test', 'fixtures', 'instant-claude.mjs');
export const POLLING_LOOP = path.join(ROOT, 'scripts', 'bench', 'polling-loop.ts');

/** The environment every runner and the floor share: this node first on PATH, the start log named. */
export function benchEnv(bench: BenchHome, extra: Record<string, string> = {}): Record<string, string | undefined> {
	return {
		...process.env,
		PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
		SPOOL_HOME: bench.home,
		SPOOL_BENCH_LOG: bench.startLog,
		SPOOL_LOG_LEVEL: 'info',
		// The instant fixture needs none; without one the worker warns at start that it has no credentials.
		ANTHROPIC_API_KEY: process.env.ANTHROPIC_API_KEY ?? 'sk-bench-unused',
		...extra,
	};
}

/**
 * `spool worker NAME` as a user or a container runs it (bin/spool.js through its shebang, with this node
 * first on PATH), with the instant fixture in place of claude unless `bin` is given.
 */
export function startSpoolWorker(bench: BenchHome, worker: string, bin = INSTANT_CLAUDE, extra: Record<string, string> = {}): RunnerProcess {
	return new RunnerProcess(SPOOL_BIN, ['worker', worker], benchEnv(bench, {SPOOL_CLAUDE_BIN: bin, ...extra}));
}

/** The plain polling loop of scripts/bench/polling-loop.ts on the same folders. */
export function startPollingLoop(bench: BenchHome, worker: string, concurrency: number): RunnerProcess {
	return new RunnerProcess(process.execPath, [POLLING_LOOP, bench.tasks(worker), path.join(bench.home, 'plain', worker), INSTANT_CLAUDE, String(concurrency)], benchEnv(bench));
}
