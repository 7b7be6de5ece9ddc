// npm run bench: spool's own cost beside the physical floor, in one run. Prints the figures and writes them
// into docs/benchmarks.md (between its markers). `--help` lists the sizes; `--quick` is the smoke run.
import path from 'node:path';
import {parseArgs} from 'node:util';
import {describeMachine} from './bench/machine.ts';
import {renderMeasurements, writeReport} from './bench/report.ts';
import {ROOT} from './bench/runners.ts';
import {measureBacklog} from './bench/scenarios/backlog.ts';
import {runBatch, type Batch} from './bench/scenarios/overhead.ts';
import {availablePeers, measureBullmqPickup, runPeerRound, type PeerPickup} from './bench/scenarios/peers.ts';
import {measurePickup, measureSpawnFloor} from './bench/scenarios/pickup.ts';
import {measureRealCli} from './bench/scenarios/real-cli.ts';
import {measureResults} from './bench/scenarios/results.ts';
import type {Measurements} from './bench/summary.ts';

const HELP = `Usage: npm run bench -- [options]
  --pickup N      tasks per pickup-latency run (default 200)
  --gap MS        mean gap between dropped tasks in the pickup runs (default 60)
  --tasks N       tasks per overhead round (default 1000)
  --rounds N      overhead rounds, each xargs, spool and the plain loop (default 2)
  --backlog LIST  pending tasks for the backlog runs (default 1000,10000,100000)
  --backlog-polling LIST  the same with queue.usePolling (default 100000; '' to skip)
  --claims N      claims measured in each backlog and results run (default 300)
  --results LIST  finished results (and ledger lines) present for the results runs (default 1000,100000)
  --status-runs N spool status runs, and as many of --json, in each results run (default 5)
  --results-rounds N  worker rounds in each results home, the homes taking turns (default 2)
  --real N        real-CLI tasks per worker and round, 0 to skip (default 8)
  --real-rounds N real-CLI rounds (default 3)
  --peer-tasks N  tasks per peers round (default 1000)
  --peer-rounds N peers rounds, each floor, task-spooler, nq, BullMQ (its Redis
                  in memory, then fsyncing every write) and spool when installed (default 3)
  --peer-pickup N jobs per pickup run of BullMQ and spool in the peers part, 0 to skip (default 100)
  --only LIST     some of pickup,overhead,backlog,results,real,peers
  --quick         tiny sizes: a smoke run of every part but peers (what the test suite runs)
  --out FILE      where the figures go (default docs/benchmarks.md); --no-write to only print`;

const {values} = parseArgs({
	options: {
		pickup: {type: 'string'},
		gap: {type: 'string'},
		tasks: {type: 'string'},
		rounds: {type: 'string'},
		backlog: {type: 'string'},
		'backlog-polling': {type: 'string'},
		claims: {type: 'string'},
		results: {type: 'string'},
		'status-runs': {type: 'string'},
		'results-rounds': {type: 'string'},
		real: {type: 'string'},
		'real-rounds': {type: 'string'},
		'peer-tasks': {type: 'string'},
		'peer-rounds': {type: 'string'},
		'peer-pickup': {type: 'string'},
		only: {type: 'string'},
		quick: {type: 'boolean', default: false},
		out: {type: 'string'},
		'no-write': {type: 'boolean', default: false},
		help: {type: 'boolean', default: false},
	},
});
if (values.help) {
	console.log(HELP);
	process.exit(0);
}

const quick = values.quick;
const number = (value: string | undefined, normal: number, small: number) => (value === undefined ? (quick ? small : normal) : Number(value));
const options = {
	pickup: number(values.pickup, 200, 10),
	gap: number(values.gap, 60, 40),
	tasks: number(values.tasks, 1000, 20),
	rounds: number(values.rounds, 2, 1),
	backlog: (values.backlog ?? (quick ? '100,1000' : '1000,10000,100000')).split(',').map(Number),
	backlogPolling: (values['backlog-polling'] ?? (quick ? '1000' : '100000')).split(',').filter(Boolean).map(Number),
	claims: number(values.claims, 300, 10),
	results: (values.results ?? (quick ? '100' : '1000,100000')).split(',').filter(Boolean).map(Number),
	statusRuns: number(values['status-runs'], 5, 2),
	resultsRounds: number(values['results-rounds'], 2, 1),
	real: number(values.real, 8, 1),
	realRounds: number(values['real-rounds'], 3, 1),
	peerTasks: number(values['peer-tasks'], 1000, 20),
	peerRounds: number(values['peer-rounds'], 3, 1),
	peerPickup: number(values['peer-pickup'], 100, 5),
	// The smoke run leaves the peers out: they need packages CI does not install, and servers.
	only: new Set((values.only ?? (quick ? 'pickup,overhead,backlog,results,real' : 'pickup,overhead,backlog,results,real,peers')).split(',')),
};
const out = path.resolve(ROOT, values.out ?? 'docs/benchmarks.md');
const POLL_INTERVAL_MS = 100; // The polling interval of the worker loop's folder watch.

function progress(text: string): void {
	process.stderr.write(`bench: ${text}\n`);
}

const startedAt = new Date();
const machine = describeMachine();
const measurements: Measurements = {machine, startedAt, durationS: 0, pollIntervalMs: POLL_INTERVAL_MS};

if (options.only.has('pickup')) {
	progress(`pickup latency, ${options.pickup} tasks per runner`);
	const floor = await measureSpawnFloor(Math.min(options.pickup, 50));
	const native = await measurePickup('native', options.pickup, options.gap);
	const polling = await measurePickup('polling', options.pickup, options.gap);
	const plain = await measurePickup('plain', options.pickup, options.gap);
	measurements.pickup = {floor, native, polling, plain};
}

if (options.only.has('overhead')) {
	const batches: Batch[] = [];
	const runners = ['xargs', 'spool', 'plain'] as const;
	for (let round = 1; round <= options.rounds; round++) {
		// Each round starts with another runner, so that a drift in the machine's load favours none.
		for (const runner of [...runners.slice(round % 3), ...runners.slice(0, round % 3)]) {
			progress(`overhead round ${round}/${options.rounds}: ${options.tasks} tasks through ${runner}`);
			batches.push(await runBatch(runner, options.tasks, 4));
		}
	}

	measurements.overhead = {tasks: options.tasks, concurrency: 4, batches};
}

if (options.only.has('backlog')) {
	measurements.backlog = [];
	for (const [pending, usePolling] of [...options.backlog.map(n => [n, false] as const), ...options.backlogPolling.map(n => [n, true] as const)]) {
		progress(`backlog of ${pending} tasks${usePolling ? ', polling' : ''}`);
		measurements.backlog.push(await measureBacklog(pending, Math.min(options.claims, pending), usePolling));
	}
}

if (options.only.has('results')) {
	measurements.results = await measureResults(options.results, {claims: options.claims, statusRuns: options.statusRuns, rounds: options.resultsRounds, progress});
}

if (options.only.has('real') && options.real > 0) {
	progress(`real CLI, ${options.real} tasks per worker, ${options.realRounds} rounds`);
	measurements.realCli = await measureRealCli(options.real, options.realRounds);
}

if (options.only.has('peers')) {
	const {runners, skipped, versions} = availablePeers();
	for (const skip of skipped) {
		progress(`peers: ${skip.runner} skipped: ${skip.why}`);
	}

	const rounds = [];
	for (let round = 1; round <= options.peerRounds; round++) {
		// The order rotates each round, so that a drift in the machine's load favours none.
		for (const runner of [...runners.slice(round % runners.length), ...runners.slice(0, round % runners.length)]) {
			progress(`peers round ${round}/${options.peerRounds}: ${options.peerTasks} tasks through ${runner}`);
			rounds.push(await runPeerRound(runner, options.peerTasks, 4));
		}
	}

	let pickup: PeerPickup[] | undefined;
	if (options.peerPickup > 0) {
		progress(`peers pickup, ${options.peerPickup} jobs each`);
		const floor = await measureSpawnFloor(Math.min(options.peerPickup, 50));
		pickup = [{label: 'floor: a bare spawn → fixture start', count: floor.count, p50: floor.p50, p95: floor.p95}];
		if (runners.includes('bullmq')) {
			pickup.push(await measureBullmqPickup(options.peerPickup, options.gap));
		}

		const spool = await measurePickup('native', options.peerPickup, options.gap);
		pickup.push({label: 'spool worker, concurrency 4 (native events)', count: spool.count, p50: spool.p50, p95: spool.p95});
	}

	measurements.peers = {tasks: options.peerTasks, concurrency: 4, rounds, skipped, versions, pickup};
}

measurements.durationS = (Date.now() - startedAt.getTime()) / 1000;
console.log(renderMeasurements(measurements));
if (!values['no-write']) {
	writeReport(out, measurements);
	progress(`figures written to ${path.relative(process.cwd(), out)}`);
}
