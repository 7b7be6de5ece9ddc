import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {makeBenchHome, taskId, writeTasks} from '../bench-home.ts';
import {nowMs, sleep} from '../clock.ts';
import {cpuSince, readCpu, type CpuTime} from '../proc.ts';
import type {RunnerProcess} from '../runner-process.ts';
import {benchEnv, INSTANT_CLAUDE, startPollingLoop, startSpoolWorker} from '../runners.ts';

/** One batch of N tasks through one runner: wall time from the drop to the last result, and CPU seconds. */
export type Batch = {runner: BatchRunner; tasks: number; wallMs: number; cpu: CpuTime};

export type BatchRunner = 'xargs' | 'spool' | 'plain';

const WORKER = 'bench';

export function runBatch(runner: BatchRunner, tasks: number, concurrency: number): Promise<Batch> {
	return runner === 'xargs' ? runXargs(tasks, concurrency) : runQueue(runner, tasks, concurrency);
}

/**
 * The floor: the same fixture spawned `tasks` times by `xargs -P`. CPU is what xargs and the fixtures
 * used, read from this process's reaped-children counters around the run.
 */
async function runXargs(tasks: number, concurrency: number): Promise<Batch> {
	const bench = makeBenchHome({[WORKER]: {}});
	const ids = Array.from({length: tasks}, (_, n) => taskId(n)).join('\n');
	const before = readCpu('self');
	const started = nowMs();
	const child = spawn('xargs', ['-P', String(concurrency), '-n', '1', INSTANT_CLAUDE, '--bench-id'], {env: benchEnv(bench), stdio: ['pipe', 'ignore', 'inherit']});
	child.stdin.end(ids);
	const code = await new Promise(resolve => child.once('exit', resolve));
	const wallMs = nowMs() - started;
	if (code !== 0) {
		throw new Error(`xargs exited with ${String(code)}`);
	}

	const {children} = cpuSince(before, readCpu('self'));
	return {runner: 'xargs', tasks, wallMs, cpu: {self: 0, children}};
}

/**
 * A queue runner already started and idle; all tasks are renamed into tasks/WORKER/ at once and the
 * clock stops when the runner logs its last "task finished". CPU is the runner's own and its children's.
 */
async function runQueue(runner: 'spool' | 'plain', tasks: number, concurrency: number): Promise<Batch> {
	const bench = makeBenchHome({[WORKER]: {concurrency}});
	const ids = Array.from({length: tasks}, (_, n) => taskId(n));
	writeTasks(bench.staging, ids);
	const process: RunnerProcess = runner === 'spool' ? startSpoolWorker(bench, WORKER) : startPollingLoop(bench, WORKER, concurrency);
	try {
		await process.ready();
		await sleep(200);
		const before = readCpu(process.pid);
		const started = nowMs();
		for (const id of ids) {
			fs.renameSync(path.join(bench.staging, `${id}.json`), path.join(bench.tasks(WORKER), `${id}.json`));
		}

		const ended = await process.finishedCount(tasks);
		const cpu = cpuSince(before, readCpu(process.pid));
		if (process.problems.length > 0) {
			throw new Error(`${runner}: ${process.problems.slice(0, 3).join('\n')}`);
		}

		return {runner, tasks, wallMs: ended - started, cpu};
	} finally {
		await process.stop();
	}
}
