import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import {makeBenchHome, readStarts, taskId, writeTasks} from '../bench-home.ts';
import {nowMs, sleep} from '../clock.ts';
import {cpuSince, readCpu, readPeakRssMB} from '../proc.ts';
import {RunnerProcess} from '../runner-process.ts';
import {benchEnv, INSTANT_CLAUDE, ROOT, startSpoolWorker} from '../runners.ts';
import {percentile} from '../stats.ts';

/*
 * spool beside the queues a user might pick instead, in the same rounds: the same cheap job (an `sh`
 * script printing one stream-json result line), the same concurrency (4), the same number of tasks, the
 * order of the runners rotated each round. A peer that is not installed is skipped with a note.
 */

export const SH_JOB = path.join(ROOT, 'test', 'fixtures', 'instant-claude.sh');
const PEERS = path.join(ROOT, 'scripts', 'bench', 'peers');
const SUBREAPER = path.join(PEERS, 'subreaper.py');
const BULLMQ_RUNNER = path.join(PEERS, 'bullmq-runner.mjs');
const WORKER = 'bench';

/**
 * `bullmq-fsync`: the same BullMQ, its Redis writing every command to its append-only file and fsyncing it
 * (appendfsync always). The plain `bullmq` row's Redis keeps nothing on disk, so a power cut or a restart
 * of Redis loses every job and result; spool fsyncs each task's claim and result, and this row is BullMQ
 * with the same promise.
 */
export type PeerRunner = 'floor' | 'tsp' | 'nq' | 'bullmq' | 'bullmq-fsync' | 'spool';
export const PEER_RUNNERS: readonly PeerRunner[] = ['floor', 'tsp', 'nq', 'bullmq', 'bullmq-fsync', 'spool'];

/** One round of one runner: wall time from the first enqueue to the last job done, CPU of the runner and its jobs. */
export type PeerRound = {runner: PeerRunner; tasks: number; wallMs: number; cpuS: number; rssMB: number; rssOf: string};
export type PeerPickup = {label: string; count: number; p50: number; p95: number};
export type Peers = {tasks: number; concurrency: number; rounds: PeerRound[]; skipped: Array<{runner: PeerRunner; why: string}>; versions: Partial<Record<PeerRunner, string>>; pickup?: PeerPickup[]};

function has(command: string): boolean {
	return spawnSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'}).status === 0;
}

function firstLine(command: string, args: string[]): string {
	const run = spawnSync(command, args, {encoding: 'utf8'});
	return `${run.stdout ?? ''}${run.stderr ?? ''}`.split('\n').find(Boolean)?.trim() ?? '';
}

/** task-spooler's binary is `tsp` on Debian, `ts` elsewhere (where `ts` may also be moreutils'). */
function taskSpooler(): string | undefined {
	return ['tsp', 'ts'].find(bin => has(bin) && /task.?spooler|TS_SOCKET/i.test(`${spawnSync(bin, ['-h'], {encoding: 'utf8'}).stdout ?? ''}${spawnSync(bin, ['-h'], {encoding: 'utf8'}).stderr ?? ''}`));
}

/** Which peers can run here, and for those that cannot, why (the note in the output and the doc). */
export function availablePeers(): {runners: PeerRunner[]; skipped: Peers['skipped']; versions: Peers['versions']} {
	const skipped: Peers['skipped'] = [];
	const versions: Peers['versions'] = {};
	const python = has('python3');
	const tsp = taskSpooler();
	if (!tsp) {
		skipped.push({runner: 'tsp', why: 'task-spooler not installed (apt-get install task-spooler)'});
	} else if (!python) {
		skipped.push({runner: 'tsp', why: 'python3 (for scripts/bench/peers/subreaper.py) not found'});
	} else {
		versions.tsp = `task-spooler ${/v?(\d[\d.]*)/.exec(firstLine(tsp, ['-V']))?.[1] ?? ''}`.trim();
	}

	if (!has('nq')) {
		skipped.push({runner: 'nq', why: 'nq not installed (apt-get install nq)'});
	} else if (!python) {
		skipped.push({runner: 'nq', why: 'python3 (for scripts/bench/peers/subreaper.py) not found'});
	} else {
		versions.nq = dpkgVersion('nq')?.replace(/-\d+$/, '') ?? 'nq';
	}

	if (!has('redis-server')) {
		skipped.push({runner: 'bullmq', why: 'redis-server not installed (apt-get install redis-server)'});
	} else if (!fs.existsSync(path.join(PEERS, 'node_modules', 'bullmq', 'package.json'))) {
		skipped.push({runner: 'bullmq', why: 'bullmq not installed (npm --prefix scripts/bench/peers ci)'});
	} else {
		const bullmq = JSON.parse(fs.readFileSync(path.join(PEERS, 'node_modules', 'bullmq', 'package.json'), 'utf8')) as {version: string};
		versions.bullmq = `BullMQ ${bullmq.version}, ${firstLine('redis-server', ['--version']).replace(/ sha=.*/, '')}`;
	}

	const runners = PEER_RUNNERS.filter(runner => !skipped.some(skip => skip.runner === (runner === 'bullmq-fsync' ? 'bullmq' : runner)));
	return {runners, skipped, versions};
}

function dpkgVersion(pkg: string): string | undefined {
	const run = spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], {encoding: 'utf8'});
	return run.status === 0 ? `${pkg} ${run.stdout.trim()}` : undefined;
}

export function runPeerRound(runner: PeerRunner, tasks: number, concurrency: number): Promise<PeerRound> {
	switch (runner) {
		case 'floor':
			return runFloor(tasks, concurrency);
		case 'tsp':
			return runUnderSubreaper('tsp', tspScript(taskSpooler()!, tasks, concurrency), tasks);
		case 'nq':
			return runUnderSubreaper('nq', nqScript(tasks, concurrency), tasks);
		case 'bullmq':
			return runBullmq(tasks, concurrency);
		case 'bullmq-fsync':
			return runBullmq(tasks, concurrency, SH_JOB, true);
		case 'spool':
			return runSpool(tasks, concurrency);
	}
}

/** xargs -P running the job `tasks` times: CPU from this process's reaped-children counters. */
async function runFloor(tasks: number, concurrency: number): Promise<PeerRound> {
	const ids = Array.from({length: tasks}, (_, n) => taskId(n)).join('\n');
	const before = readCpu('self');
	const started = nowMs();
	const child = spawn('xargs', ['-P', String(concurrency), '-n', '1', SH_JOB, '--bench-id'], {stdio: ['pipe', 'ignore', 'inherit']});
	child.stdin.end(ids);
	const code = await new Promise(resolve => child.once('exit', resolve));
	const wallMs = nowMs() - started;
	if (code !== 0) {
		throw new Error(`xargs exited with ${String(code)}`);
	}

	return {runner: 'floor', tasks, wallMs, cpuS: cpuSince(before, readCpu('self')).children, rssMB: Number.NaN, rssOf: '-'};
}

/**
 * task-spooler's server with `-S` slots on its own socket and temp folder: `tsp -n JOB` for each task
 * (the client forks into the background and runs its job when the server lets it), then wait for the
 * last added and until `tsp -l` lists nothing queued or running, and stop the server.
 */
function tspScript(bin: string, tasks: number, concurrency: number): {script: string; env: Record<string, string>} {
	const dir = fs.mkdtempSync(path.join(makeBenchHome({}).home, 'tsp-'));
	const script = `set -e
${bin} -S ${concurrency}
i=0; while [ $i -lt ${tasks} ]; do ${bin} -n "$JOB" >/dev/null; i=$((i+1)); done
${bin} -w >/dev/null || true
while ${bin} -l | grep -qE ' (running|queued) '; do sleep 0.01; done
${bin} -K`;
	return {script, env: {TS_SOCKET: path.join(dir, 'socket'), TMPDIR: dir, TS_SLOTS: String(concurrency), TS_MAXCONN: String(tasks * 2 + 100), TS_MAXFINISHED: String(tasks + 100)}};
}

/** nq: one queue folder per slot (NQDIR), tasks dealt round-robin, then `nq -w` on each folder. */
function nqScript(tasks: number, concurrency: number): {script: string; env: Record<string, string>} {
	const dir = makeBenchHome({}).home;
	const queues = Array.from({length: concurrency}, (_, n) => path.join(dir, `nq-${n}`));
	for (const queue of queues) {
		fs.mkdirSync(queue);
	}

	const script = `set -e
i=0; while [ $i -lt ${tasks} ]; do NQDIR="${dir}/nq-$((i % ${concurrency}))" nq -q "$JOB"; i=$((i+1)); done
for q in ${queues.map(queue => `"${queue}"`).join(' ')}; do NQDIR="$q" nq -w; done`;
	return {script, env: {}};
}

/**
 * The script under scripts/bench/peers/subreaper.py, which reaps every process the queue leaves behind
 * (servers, background clients), so their CPU and peak RSS are counted; wall time from the first enqueue.
 */
async function runUnderSubreaper(runner: PeerRunner, {script, env}: {script: string; env: Record<string, string>}, tasks: number): Promise<PeerRound> {
	const child = spawn('python3', [SUBREAPER, 'sh', '-c', script], {env: {...process.env, ...env, JOB: SH_JOB}, stdio: ['ignore', 'pipe', 'inherit']});
	let out = '';
	child.stdout.setEncoding('utf8').on('data', chunk => (out += chunk));
	const code = await new Promise(resolve => child.once('close', resolve));
	if (code !== 0) {
		throw new Error(`${runner} exited with ${String(code)}: ${out}`);
	}

	const result = JSON.parse(out.trim().split('\n').at(-1)!) as {wallMs: number; cpuS: number; maxRssKiB: number};
	return {runner, tasks, wallMs: result.wallMs, cpuS: result.cpuS, rssMB: (result.maxRssKiB * 1024) / 1e6, rssOf: 'biggest process'};
}

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = net.createServer().once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

/**
 * A Redis of its own on a free 127.0.0.1 port; resolves once it accepts connections. No persistence, or
 * with `durable` every write in its append-only file, fsynced before the reply (appendfsync always).
 */
async function startRedis(durable = false): Promise<{pid: number; port: number; stop: () => Promise<void>}> {
	const port = await freePort();
	const dir = makeBenchHome({}).home;
	const persistence = durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
	const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir, '--daemonize', 'no'], {stdio: ['ignore', 'pipe', 'inherit']});
	await new Promise<void>((resolve, reject) => {
		child.once('exit', code => reject(new Error(`redis-server exited (${String(code)})`)));
		readline.createInterface({input: child.stdout!}).on('line', line => line.includes('Ready to accept connections') && resolve());
	});
	const exited = new Promise(resolve => child.once('exit', resolve));
	return {
		pid: child.pid!,
		port,
		stop: async () => {
			child.kill('SIGTERM');
			await exited;
		},
	};
}

/** A line on stdout from a process; resolves with it. */
function lineFrom(child: ReturnType<typeof spawn>, expected: string): Promise<void> {
	return new Promise((resolve, reject) => {
		child.once('exit', code => reject(new Error(`exited (${String(code)}) before "${expected}"`)));
		readline.createInterface({input: child.stdout!}).on('line', line => line.trim() === expected && resolve());
	});
}

/**
 * A BullMQ Worker (concurrency 4) in its own process, its processor spawning the job; 1,000 jobs added
 * with one addBulk by another process, connected beforehand. CPU: the worker and its jobs, and Redis.
 */
async function runBullmq(tasks: number, concurrency: number, bin = SH_JOB, durable = false): Promise<PeerRound> {
	const redis = await startRedis(durable);
	const runner = durable ? 'bullmq-fsync' : 'bullmq';
	const queue = `bench-${Date.now()}`;
	const worker = new RunnerProcess(process.execPath, [BULLMQ_RUNNER, 'worker', String(redis.port), queue, bin, String(concurrency)], {...process.env});
	try {
		await worker.ready();
		const adder = spawn(process.execPath, [BULLMQ_RUNNER, 'add', String(redis.port), queue, String(tasks)], {stdio: ['pipe', 'pipe', 'inherit']});
		await lineFrom(adder, 'ready');
		await sleep(200);
		const before = [readCpu(worker.pid), readCpu(redis.pid)];
		const started = nowMs();
		adder.stdin!.end('go\n');
		const ended = await worker.finishedCount(tasks);
		const after = [readCpu(worker.pid), readCpu(redis.pid)];
		const cpuS = before.reduce((sum, cpu, n) => {
			const delta = cpuSince(cpu, after[n]!);
			return sum + delta.self + delta.children;
		}, 0);
		if (worker.problems.length > 0) {
			throw new Error(`${runner}: ${worker.problems.slice(0, 3).join('\n')}`);
		}

		const [workerRss, redisRss] = [readPeakRssMB(worker.pid), readPeakRssMB(redis.pid)];
		return {runner, tasks, wallMs: ended - started, cpuS, rssMB: Math.max(workerRss, redisRss), rssOf: workerRss >= redisRss ? 'worker' : 'redis-server'};
	} finally {
		await worker.stop();
		await redis.stop();
	}
}

/** A spool worker at `concurrency` with the job as its claude; the tasks renamed into tasks/WORKER/ at once. */
async function runSpool(tasks: number, concurrency: number): Promise<PeerRound> {
	const bench = makeBenchHome({[WORKER]: {concurrency}});
	const ids = Array.from({length: tasks}, (_, n) => taskId(n));
	writeTasks(bench.staging, ids);
	const worker = startSpoolWorker(bench, WORKER, SH_JOB);
	try {
		await worker.ready();
		await sleep(200);
		const before = readCpu(worker.pid);
		const started = nowMs();
		for (const id of ids) {
			fs.renameSync(path.join(bench.staging, `${id}.json`), path.join(bench.tasks(WORKER), `${id}.json`));
		}

		const ended = await worker.finishedCount(tasks);
		const cpu = cpuSince(before, readCpu(worker.pid));
		if (worker.problems.length > 0) {
			throw new Error(`spool: ${worker.problems.slice(0, 3).join('\n')}`);
		}

		return {runner: 'spool', tasks, wallMs: ended - started, cpuS: cpu.self + cpu.children, rssMB: readPeakRssMB(worker.pid), rssOf: 'worker'};
	} finally {
		await worker.stop();
	}
}

/**
 * BullMQ's pickup, the way part 1 measures spool's: jobs added one at a time with random gaps into an
 * idle Worker at concurrency 4, from the moment before `queue.add` to the node fixture's process start
 * (the sh job cannot note its start on the monotonic clock).
 */
export async function measureBullmqPickup(count: number, gapMs: number): Promise<PeerPickup> {
	const bench = makeBenchHome({});
	const redis = await startRedis();
	const queue = `pickup-${Date.now()}`;
	const worker = new RunnerProcess(process.execPath, [BULLMQ_RUNNER, 'worker', String(redis.port), queue, INSTANT_CLAUDE, '4'], benchEnv(bench));
	try {
		await worker.ready();
		await sleep(200);
		const dropsFile = path.join(bench.home, 'drops.log');
		const dripper = spawn(process.execPath, [BULLMQ_RUNNER, 'drip', String(redis.port), queue, String(count), String(gapMs), dropsFile], {stdio: ['ignore', 'ignore', 'inherit']});
		await new Promise(resolve => dripper.once('exit', resolve));
		await worker.finishedCount(count);
		const starts = readStarts(bench.startLog);
		const latencies = fs.readFileSync(dropsFile, 'utf8').trim().split('\n').map(line => {
			const [id, ms] = line.split(' ') as [string, string];
			return starts.get(id)! - Number(ms);
		});
		if (latencies.some(value => !Number.isFinite(value))) {
			throw new Error('bullmq pickup: a job has no recorded start');
		}

		return {label: 'BullMQ Worker, concurrency 4', count, p50: percentile(latencies, 50), p95: percentile(latencies, 95)};
	} finally {
		await worker.stop();
		await redis.stop();
	}
}
