import fs from 'node:fs';
import path from 'node:path';
import {execa} from 'execa';
import {startFakeApi} from '../../../test/fixtures/fake-api.ts';
import {apiEnv} from '../../../test/helpers/home.ts';
import {makeBenchHome, taskId, type BenchHome} from '../bench-home.ts';
import {nowMs} from '../clock.ts';
import {benchEnv, ROOT, startSpoolWorker} from '../runners.ts';

export const CLAUDE_BIN = path.join(ROOT, 'node_modules', '.bin', 'claude');

const WORKERS = ['alpha', 'beta'] as const;

/** The flags spool passes (src/worker/claude-args.ts) for a worker with the default settings. */
function claudeArgs(worker: string): string[] {
	return ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits', '--append-system-prompt', `You are the ${worker} worker of a benchmark.`];
}

export type RealCliRound = {tasks: number; floorMs: number; spoolMs: number};

/**
 * The real CLI against the local API stand-in. `alone`: one run at a time, each timed from spawn to exit.
 * A round: `perWorker` tasks for each of two workers, first by running the CLI directly in two lanes
 * (the floor), then through two `spool worker` processes; wall time of each.
 */
export async function measureRealCli(perWorker: number, rounds: number): Promise<{aloneMs: number[]; rounds: RealCliRound[]}> {
	const api = await startFakeApi(() => ({text: 'ok'}));
	const bench = makeBenchHome(Object.fromEntries(WORKERS.map(name => [name, {concurrency: 1}])));
	const env = benchEnv(bench, apiEnv(api.url));
	try {
		const aloneMs: number[] = [];
		await runDirect(bench, env, 'alpha', 'warmup'); // The first run of a config dir sets it up.
		await runDirect(bench, env, 'beta', 'warmup');
		for (let n = 0; n < perWorker; n++) {
			const started = nowMs();
			await runDirect(bench, env, 'alpha', `alone-${n}`);
			aloneMs.push(nowMs() - started);
		}

		const results: RealCliRound[] = [];
		for (let round = 0; round < rounds; round++) {
			const floorStarted = nowMs();
			await Promise.all(WORKERS.map(async worker => {
				for (let n = 0; n < perWorker; n++) {
					await runDirect(bench, env, worker, `r${round}-${n}`);
				}
			}));
			const floorMs = nowMs() - floorStarted;
			const spoolMs = await runThroughSpool(bench, env, perWorker, round);
			results.push({tasks: perWorker * WORKERS.length, floorMs, spoolMs});
		}

		return {aloneMs, rounds: results};
	} finally {
		await api.close();
		bench.remove();
	}
}

async function runDirect(bench: BenchHome, env: Record<string, string | undefined>, worker: string, id: string): Promise<void> {
	const cwd = path.join(bench.home, 'direct', worker, id);
	fs.mkdirSync(cwd, {recursive: true});
	const configDir = path.join(bench.home, 'direct-auth', worker);
	fs.mkdirSync(configDir, {recursive: true});
	const run = await execa(CLAUDE_BIN, claudeArgs(worker), {cwd, env: {...env, CLAUDE_CONFIG_DIR: configDir}, extendEnv: false, input: `benchmark task ${id}`, reject: false});
	if (!run.stdout.includes('"subtype":"success"')) {
		throw new Error(`claude run ${id} failed (${String(run.exitCode)}): ${run.stderr.slice(0, 300)} ${run.stdout.slice(-300)}`);
	}
}

/** Two `spool worker` processes, warmed up with one task each, then `perWorker` tasks dropped for each. */
async function runThroughSpool(bench: BenchHome, env: Record<string, string | undefined>, perWorker: number, round: number): Promise<number> {
	const workers = WORKERS.map(name => ({name, process: startSpoolWorker(bench, name, CLAUDE_BIN, env as Record<string, string>)}));
	try {
		await Promise.all(workers.map(async ({name, process}) => {
			await process.ready();
			drop(bench, name, `warmup-${round}`);
			await process.finishedCount(1);
		}));
		const started = nowMs();
		for (let n = 0; n < perWorker; n++) {
			for (const {name} of workers) {
				drop(bench, name, `r${round}-${taskId(n)}`);
			}
		}

		await Promise.all(workers.map(({process}) => process.finishedCount(1 + perWorker)));
		const problems = workers.flatMap(({process}) => process.problems);
		if (problems.length > 0) {
			throw new Error(`spool with the real CLI: ${problems.slice(0, 3).join('\n')}`);
		}

		return nowMs() - started;
	} finally {
		await Promise.all(workers.map(({process}) => process.stop()));
	}
}

function drop(bench: BenchHome, worker: string, id: string): void {
	const staged = path.join(bench.staging, `${id}.json`);
	fs.writeFileSync(staged, `${JSON.stringify({prompt: `benchmark task ${id}`})}\n`);
	fs.renameSync(staged, path.join(bench.tasks(worker), `${id}.json`));
}
