import type {Machine} from './machine.ts';
import type {Backlog} from './scenarios/backlog.ts';
import type {Batch, BatchRunner} from './scenarios/overhead.ts';
import {PEER_RUNNERS, type PeerRunner, type Peers} from './scenarios/peers.ts';
import type {Pickup} from './scenarios/pickup.ts';
import type {RealCliRound} from './scenarios/real-cli.ts';
import type {FinishedResults} from './scenarios/results.ts';
import {median} from './stats.ts';

/** Everything one `npm run bench` measured. Sections that were skipped are undefined. */
export type Measurements = {
	machine: Machine;
	startedAt: Date;
	durationS: number;
	pollIntervalMs: number;
	pickup?: {floor: Pickup; native: Pickup; polling: Pickup; plain: Pickup};
	overhead?: {tasks: number; concurrency: number; batches: Batch[]};
	backlog?: Backlog[];
	realCli?: {aloneMs: number[]; rounds: RealCliRound[]};
	results?: FinishedResults[];
	peers?: Peers;
};

export type RunnerSummary = {runner: BatchRunner; rounds: number; wallMs: number; cpuMsPerTask: number; selfCpuMsPerTask: number};

/** Medians over the rounds of each runner, and the ratios of paired rounds (round i of both runners). */
export function summarizeOverhead(batches: readonly Batch[]): {runners: RunnerSummary[]; spoolToFloor: number; plainToSpool: number; cpuBeyondFloorMs: number; cpuSpoolToFloor: number} {
	const of = (runner: BatchRunner) => batches.filter(batch => batch.runner === runner);
	const runners = (['xargs', 'spool', 'plain'] as const).filter(runner => of(runner).length > 0).map(runner => ({
		runner,
		rounds: of(runner).length,
		wallMs: median(of(runner).map(batch => batch.wallMs)),
		cpuMsPerTask: median(of(runner).map(batch => ((batch.cpu.self + batch.cpu.children) * 1000) / batch.tasks)),
		selfCpuMsPerTask: median(of(runner).map(batch => (batch.cpu.self * 1000) / batch.tasks)),
	}));
	const paired = (a: BatchRunner, b: BatchRunner) => median(of(a).flatMap((batch, n) => (of(b)[n] ? [batch.wallMs / of(b)[n]!.wallMs] : [])));
	const cpu = (runner: BatchRunner) => runners.find(summary => summary.runner === runner)?.cpuMsPerTask ?? Number.NaN;
	return {runners, spoolToFloor: paired('spool', 'xargs'), plainToSpool: paired('plain', 'spool'), cpuBeyondFloorMs: cpu('spool') - cpu('xargs'), cpuSpoolToFloor: cpu('spool') / cpu('xargs')};
}

export type PeerSummary = {runner: PeerRunner; rounds: number; perSecond: number[]; cpuMsPerTask: number[]; rssMB: number; rssOf: string};

/** Per runner of the peers part: tasks/s and CPU ms per task of each round, and the biggest peak RSS of any round. */
export function summarizePeers(peers: Peers): PeerSummary[] {
	const runners = PEER_RUNNERS.filter(runner => peers.rounds.some(round => round.runner === runner));
	return runners.map(runner => {
		const rounds = peers.rounds.filter(round => round.runner === runner);
		const biggest = rounds.reduce((a, b) => (b.rssMB > a.rssMB ? b : a));
		return {
			runner,
			rounds: rounds.length,
			perSecond: rounds.map(round => (round.tasks * 1000) / round.wallMs),
			cpuMsPerTask: rounds.map(round => (round.cpuS * 1000) / round.tasks),
			rssMB: biggest.rssMB,
			rssOf: biggest.rssOf,
		};
	});
}

export function summarizeRealCli(realCli: {aloneMs: number[]; rounds: RealCliRound[]}) {
	const perMinute = (tasks: number, ms: number) => (tasks * 60_000) / ms;
	return {
		aloneMs: median(realCli.aloneMs),
		floorPerMinute: median(realCli.rounds.map(round => perMinute(round.tasks, round.floorMs))),
		spoolPerMinute: median(realCli.rounds.map(round => perMinute(round.tasks, round.spoolMs))),
		/** spool's wall time over the direct runs' of the same round, minus one: what spool adds. */
		addedPercent: median(realCli.rounds.map(round => (round.spoolMs / round.floorMs - 1) * 100)),
		/** The same on CPU time: the CLI processes plus, for spool, the worker processes themselves. */
		cpuAddedPercent: median(realCli.rounds.map(round => (round.spoolCpuS / round.floorCpuS - 1) * 100)),
		cliCpuMsPerTask: median(realCli.rounds.map(round => (round.floorCpuS * 1000) / round.tasks)),
	};
}

export type Goal = {goal: string; measured: string; met: boolean | undefined};

export function evaluateGoals(m: Measurements): Goal[] {
	const goals: Goal[] = [];
	const check = (goal: string, value: number, limit: number, measured: string) => goals.push({goal, measured, met: Number.isFinite(value) ? value <= limit : undefined});
	if (m.overhead) {
		const o = summarizeOverhead(m.overhead.batches);
		check('wall-time ratio spool / xargs floor <= 1.2 at concurrency 4', o.spoolToFloor, 1.2, o.spoolToFloor.toFixed(2));
		check('the same ratio on CPU time (what the wall ratio of a CPU-bound run tends to)', o.cpuSpoolToFloor, 1.2, o.cpuSpoolToFloor.toFixed(2));
		check('CPU per task beyond the floor < 5 ms', o.cpuBeyondFloorMs, 5, `${o.cpuBeyondFloorMs.toFixed(1)} ms`);
	}

	if (m.pickup) {
		const {native, polling} = m.pickup;
		check('pickup p50 <= 15 ms, native events', native.p50, 15, `${native.p50.toFixed(1)} ms`);
		check('pickup p99 <= 50 ms, native events', native.p99, 50, `${native.p99.toFixed(1)} ms`);
		check(`pickup with polling within one poll interval (p99 <= ${m.pollIntervalMs} ms + native p99)`, polling.p99, m.pollIntervalMs + native.p99, `${polling.p99.toFixed(1)} ms`);
	}

	const small = m.backlog?.find(row => row.pending === 1000 && !row.usePolling);
	const large = m.backlog?.find(row => row.pending === 100_000 && !row.usePolling);
	if (large) {
		check('100k pending: first claim within 3 s of start', large.firstClaimMs, 3000, `${(large.firstClaimMs / 1000).toFixed(2)} s`);
		if (small) {
			const ratio = large.claimCpuMs / small.claimCpuMs;
			check('100k pending: per-claim cost within 2x of 1k (worker CPU per claim)', ratio, 2, `${ratio.toFixed(2)}x (${small.claimCpuMs.toFixed(1)} → ${large.claimCpuMs.toFixed(1)} ms)`);
		}

		check('100k pending: peak RSS <= 150 MB', large.peakRssMB, 150, `${(large.peakRssMB).toFixed(0)} MB`);
	}

	for (const row of m.backlog ?? []) {
		// Those already claimed when it came may start first: at most the concurrency (4).
		check(`${row.pending.toLocaleString('en-US')} pending${row.usePolling ? ', polling' : ''}: a priority-10 task dropped behind them is the next claimed`, row.priorityOvertaken, 4, `${row.priorityOvertaken} started before it, ${row.priorityPickupMs.toFixed(1)} ms`);
	}

	const fewResults = m.results?.find(row => row.results === 1000);
	const manyResults = m.results?.find(row => row.results === 100_000);
	if (manyResults) {
		const status = median(manyResults.statusMs);
		const statusJson = median(manyResults.statusJsonMs);
		check(`100k results: spool status answers within 0.3 s (median of ${manyResults.statusMs.length} runs)`, status, 300, `${(status / 1000).toFixed(2)} s`);
		check('100k results: the same for spool status --json', statusJson, 300, `${(statusJson / 1000).toFixed(2)} s`);
		if (fewResults) {
			const [few, many] = [fewResults, manyResults].map(row => median(row.rounds.map(round => round.claimCpuMs))) as [number, number];
			check(`100k results: per-claim cost within 1.2x of 1k (worker CPU per claim, medians of ${manyResults.rounds.length} rounds)`, many / few, 1.2, `${(many / few).toFixed(2)}x (${few.toFixed(2)} → ${many.toFixed(2)} ms)`);
		}
	}

	if (m.peers) {
		// Issue 17: the fastest of the queues that keep a result per task through a crash.
		const rows = summarizePeers(m.peers);
		const of = (runner: string) => rows.find(row => row.runner === runner);
		const [spool, bullmq, nq, floor, durable] = [of('spool'), of('bullmq'), of('nq'), of('floor'), of('bullmq-fsync')];
		if (spool && bullmq) {
			const [ours, theirs] = [median(spool.perSecond), median(bullmq.perSecond)];
			check("peers: spool's tasks/s at least BullMQ's in the same run (BullMQ's / spool's <= 1)", theirs / ours, 1, `${ours.toFixed(0)} against ${theirs.toFixed(0)} tasks/s`);
			if (durable) {
				// Not one of the goals: the same comparison with BullMQ's Redis as durable as spool's files.
				check("peers, for reference (not one of the issue's goals): spool's tasks/s at least BullMQ's with Redis fsyncing every write (its / spool's <= 1)", median(durable.perSecond) / ours, 1, `${ours.toFixed(0)} against ${median(durable.perSecond).toFixed(0)} tasks/s`);
			}

			if (nq) {
				check("peers, the aim: at least nq's (nq's / spool's <= 1)", median(nq.perSecond) / ours, 1, `${ours.toFixed(0)} against ${median(nq.perSecond).toFixed(0)} tasks/s`);
			}

			if (floor) {
				const beyond = (row: typeof spool) => median(row.cpuMsPerTask) - median(floor.cpuMsPerTask);
				check("peers: spool's CPU per task beyond the floor at most BullMQ's", beyond(spool) - beyond(bullmq), 0, `${beyond(spool).toFixed(2)} against ${beyond(bullmq).toFixed(2)} ms`);
				check("peers, the aim: spool's CPU per task beyond the floor < 2 ms", beyond(spool), 2, `${beyond(spool).toFixed(2)} ms`);
			}
		}

		if (spool) {
			check("peers: spool worker's peak RSS with 1,000 pending <= 80 MB", spool.rssMB, 80, `${spool.rssMB.toFixed(0)} MB`);
		}

		const bare = m.peers.pickup?.[0];
		const ours = m.peers.pickup?.find(row => row.label.startsWith('spool'));
		if (bare && ours) {
			check('peers: spool pickup p50 within 1.5 ms of a bare spawn', ours.p50 - bare.p50, 1.5, `+${(ours.p50 - bare.p50).toFixed(1)} ms (${ours.p50.toFixed(1)} against ${bare.p50.toFixed(1)})`);
		}
	}

	if (m.realCli) {
		const r = summarizeRealCli(m.realCli);
		check('real CLI: spool adds < 5 % to the CLI\'s own run time (wall time, two workers)', r.addedPercent, 5, `${r.addedPercent.toFixed(1)} %`);
		check('real CLI: the same on CPU time', r.cpuAddedPercent, 5, `${r.cpuAddedPercent.toFixed(1)} %`);
	}

	return goals;
}
