import fs from 'node:fs';
import path from 'node:path';
import {execa} from 'execa';
import {startFakeApi} from '../../../test/fixtures/fake-api.ts';
import {apiEnv} from '../../../test/helpers/home.ts';
import {makeBenchHome, taskId, type BenchHome} from '../bench-home.ts';
import {nowMs} from '../clock.ts';
import {cpuSince, readCpu, type CpuTime} from '../proc.ts';
import {benchEnv, ROOT, startSpoolWorker} from '../runners.ts';

export const CLAUDE_BIN = path.join(ROOT, 'node_modules', '.bin', 'claude');

const WORKERS = ['alpha', 'beta'] as const;

/** The flags spool passes (src/worker/claude-args.ts) for a worker with the default settings. */
function claudeArgs(worker: string): string[] {
	return ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits', '--append-system-prompt', `You are the ${worker} worker of a benchmark.`];
}

/** One round: wall ms and CPU seconds (CLI processes, plus the spool workers themselves) of each way. */
export type RealCliRound = {tasks: number; floorMs: number; spoolMs: number; floorCpuS: number; spoolCpuS: number};

type Run = {ms: number; cpuS: number};

const total = (cpu: CpuTime) => cpu.self + cpu.children;

/**
 * The real CLI against the local API stand-in. `alone`: one run at a time, each timed from spawn to exit.
 * A round: `perWorker` tasks for each of two workers, by running the CLI directly in two lanes (the
 * floor) and through two `spool worker` processes; wall time of each.
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
			const runFloor = async (): Promise<Run> => {
				const before = readCpu('self');
				const started = nowMs();
				await Promise.all(WORKERS.map(async worker => {
					for (let n = 0; n < perWorker; n++) {
						await runDirect(bench, env, worker, `r${round}-${n}`);
					}
				}));
				return {ms: nowMs() - started, cpuS: cpuSince(before, readCpu('self')).children};
			};

			// Odd rounds run spool first, so that a drift in the machine's load favours neither.
			const spoolFirst = round % 2 === 1;
			const first = spoolFirst ? await runThroughSpool(bench, env, perWorker, round) : await runFloor();
			const second = spoolFirst ? await runFloor() : await runThroughSpool(bench, env, perWorker, round);
			const [floor, spool] = spoolFirst ? [second, first] : [first, second];
			results.push({tasks: perWorker * WORKERS.length, floorMs: floor.ms, spoolMs: spool.ms, floorCpuS: floor.cpuS, spoolCpuS: spool.cpuS});
		}

		return {aloneMs, rounds: results};
	} finally {
		await api.close();
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
async function runThroughSpool(bench: BenchHome, env: Record<string, string | undefined>, perWorker: number, round: number): Promise<Run> {
	const workers = WORKERS.map(name => ({name, process: startSpoolWorker(bench, name, CLAUDE_BIN, env as Record<string, string>)}));
	try {
		await Promise.all(workers.map(async ({name, process}) => {
			await process.ready();
			drop(bench, name, `warmup-${round}`);
			await process.finishedCount(1);
		}));
		const before = workers.map(({process}) => readCpu(process.pid));
		const started = nowMs();
		for (let n = 0; n < perWorker; n++) {
			for (const {name} of workers) {
				drop(bench, name, `r${round}-${taskId(n)}`);
			}
		}

		await Promise.all(workers.map(({process}) => process.finishedCount(1 + perWorker)));
		const ms = nowMs() - started;
		const cpuS = workers.reduce((sum, {process}, n) => sum + total(cpuSince(before[n]!, readCpu(process.pid))), 0);
		const problems = workers.flatMap(({process}) => process.problems);
		if (problems.length > 0) {
			throw new Error(`spool with the real CLI: ${problems.slice(0, 3).join('\n')}`);
		}

		return {ms, cpuS};
	} finally {
		await Promise.all(workers.map(({process}) => process.stop()));
	}
}

function drop(bench: BenchHome, worker: string, id: string): void {
	const staged = path.join(bench.staging, `${id}.json`);
	fs.writeFileSync(staged, `${JSON.stringify({prompt: `benchmark task ${id}`})}\n`);
	fs.renameSync(staged, path.join(bench.tasks(worker), `${id}.json`));
}
