import fs from 'node:fs';
import path from 'node:path';
import {fmt, median} from './stats.ts';
import type {ClaimCost} from './claims.ts';
import type {FinishedResults} from './scenarios/results.ts';
import {evaluateGoals, summarizeOverhead, summarizePeers, summarizeRealCli, type Measurements} from './summary.ts';

const START = '<!-- bench:start (written by npm run bench; edits here are overwritten) -->';
const END = '<!-- bench:end -->';

function table(header: string[], rows: string[][]): string {
	const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
	return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The figures as markdown: the goals first, then one section per measurement. */
export function renderMeasurements(m: Measurements): string {
	const {machine} = m;
	const parts = [
		`Run of ${m.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${m.durationS.toFixed(0)} s in all.`,
		`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(0)} GiB, ${machine.kernel}, Node ${machine.node}; temp folder on ${machine.filesystem}; ` +
			`a small file's write + fsync takes ${fmt(machine.fsyncFileMs, 2)} ms, a folder's fsync ${fmt(machine.fsyncDirMs, 2)} ms (medians); ` +
			`load average at the start ${machine.loadAverage.map(value => value.toFixed(1)).join(' / ')}.`,
		'### Goals',
		table(['goal', 'measured', 'met'], evaluateGoals(m).map(goal => [goal.goal, goal.measured, goal.met === undefined ? 'n/a' : goal.met ? 'yes' : '**no**'])),
	];
	if (m.pickup) {
		const {floor, native, polling, plain} = m.pickup;
		parts.push(
			'### 1. Pickup latency: rename into tasks/WORKER/ → the CLI process starts (ms)',
			table(['runner', 'tasks', 'p50', 'p95', 'p99', 'max'], [floor, native, polling, plain].map(row => [row.label, String(row.count), fmt(row.p50), fmt(row.p95), fmt(row.p99), fmt(row.max)])),
		);
	}

	if (m.overhead) {
		const o = summarizeOverhead(m.overhead.batches);
		const names = {xargs: `xargs -P ${m.overhead.concurrency} (the floor)`, spool: `spool worker, concurrency ${m.overhead.concurrency}`, plain: 'plain 1 s polling loop'};
		parts.push(
			`### 2-3. ${m.overhead.tasks} instant tasks: spool against the spawn floor and a plain polling loop (medians of rounds)`,
			table(
				['runner', 'rounds', 'wall s', 'tasks/s', 'CPU ms/task (all)', 'of which the runner itself'],
				o.runners.map(row => [names[row.runner], String(row.rounds), fmt(row.wallMs / 1000, 2), fmt((m.overhead!.tasks * 1000) / row.wallMs, 0), fmt(row.cpuMsPerTask), row.runner === 'xargs' ? '-' : fmt(row.selfCpuMsPerTask)]),
			),
			`Wall-time ratios of paired rounds (median): spool / floor **${fmt(o.spoolToFloor, 2)}**, plain loop / spool **${fmt(o.plainToSpool, 2)}**. ` +
				`CPU time: spool / floor **${fmt(o.cpuSpoolToFloor, 2)}**, spool's CPU beyond the floor **${fmt(o.cpuBeyondFloorMs)} ms** per task.`,
		);
	}

	if (m.backlog) {
		parts.push(
			'### 4. Backlog: tasks already waiting when the worker starts',
			table(
				['pending', 'watching', 'start → loop ready (ms)', 'start → first CLI start (ms)', 'wall per claim (ms)', 'worker CPU per claim (ms)', 'peak RSS (MB)', 'priority 10 dropped → started (ms)', 'started before it'],
				m.backlog.map(row => [row.pending.toLocaleString('en-US'), row.usePolling ? 'polling' : 'native', fmt(row.readyMs, 0), fmt(row.firstClaimMs, 0), fmt(row.claimWallMs, 1), fmt(row.claimCpuMs, 2), fmt(row.peakRssMB, 0), fmt(row.priorityPickupMs, 1), String(row.priorityOvertaken)]),
			),
		);
	}

	if (m.realCli) {
		const r = summarizeRealCli(m.realCli);
		const tasks = m.realCli.rounds[0]?.tasks ?? 0;
		parts.push(
			`### 5. Real claude CLI against the local API stand-in (${tasks} tasks per round, two workers, ${m.realCli.rounds.length} rounds)`,
			table(
				['', 'value'],
				[
					['one CLI run alone, spawn to exit (median ms)', fmt(r.aloneMs, 0)],
					['CLI run directly in two lanes (tasks/min)', fmt(r.floorPerMinute, 1)],
					['two spool workers (tasks/min)', fmt(r.spoolPerMinute, 1)],
					['what spool adds to the wall time (median of rounds)', `${fmt(r.addedPercent, 1)} %`],
					['CPU per task of the CLI run directly (ms)', fmt(r.cliCpuMsPerTask, 0)],
					['what spool adds to the CPU time, its workers included (median of rounds)', `${fmt(r.cpuAddedPercent, 1)} %`],
				],
			),
		);
	}

	if (m.results) {
		const runs = m.results[0]?.statusMs.length ?? 0;
		const rounds = m.results[0]?.rounds.length ?? 0;
		const ofRounds = (row: FinishedResults, value: (round: ClaimCost) => number, digits: number) => medianRange(row.rounds.map(value), digits);
		parts.push(
			'### 6. Finished results: a result and a transcript each in results/WORKER/, and as many lines in today\'s ledger',
			table(
				['results', 'ledger (MB)', `spool status (ms), median (range) of ${runs} runs`, 'spool status --json (ms)', `wall per claim (ms), median (range) of ${rounds} ${rounds === 1 ? 'round' : 'rounds'}`, 'worker CPU per claim (ms)', 'peak RSS (MB)'],
				m.results.map(row => [row.results.toLocaleString('en-US'), fmt(row.ledgerMB, 1), medianRange(row.statusMs, 0), medianRange(row.statusJsonMs, 0), ofRounds(row, round => round.claimWallMs, 1), ofRounds(row, round => round.claimCpuMs, 2), fmt(Math.max(...row.rounds.map(round => round.peakRssMB)), 0)]),
			),
		);
	}

	if (m.peers) {
		const p = m.peers;
		const rows = summarizePeers(p);
		const floorCpu = median(rows.find(row => row.runner === 'floor')?.cpuMsPerTask ?? []);
		const names: Record<string, string> = {
			floor: `floor: xargs -P ${p.concurrency}`,
			tsp: `${p.versions.tsp ?? 'task-spooler'} (tsp -S ${p.concurrency})`,
			nq: `${p.versions.nq ?? 'nq'} (${p.concurrency} queue folders)`,
			bullmq: `${p.versions.bullmq ?? 'BullMQ'} (Worker, concurrency ${p.concurrency})`,
			'bullmq-fsync': `the same BullMQ, Redis with appendfsync always (every write fsynced, as spool's claims and results are)`,
			spool: `spool worker, concurrency ${p.concurrency}`,
		};
		const rounds = rows[0]?.rounds ?? 0;
		parts.push(
			`### 7. Peers: ${p.tasks} tasks of the sh job (test/fixtures/instant-claude.sh) at concurrency ${p.concurrency}, ${rounds} ${rounds === 1 ? 'round' : 'rounds'}, the order rotated`,
			table(
				['runner', 'tasks/s, median (range)', 'CPU ms/task, all (range)', 'CPU ms/task beyond the floor', 'biggest process peak RSS (MB)'],
				rows.map(row => [names[row.runner] ?? row.runner, medianRange(row.perSecond, 0), medianRange(row.cpuMsPerTask, 2), row.runner === 'floor' ? '-' : fmt(median(row.cpuMsPerTask) - floorCpu, 2), row.runner === 'floor' ? '-' : `${fmt(row.rssMB, 1)} (${row.rssOf})`]),
			),
			...(p.skipped.length > 0 ? [`Skipped: ${p.skipped.map(skip => `${skip.runner}, ${skip.why}`).join('; ')}.`] : []),
		);
		if (p.pickup) {
			const floor = p.pickup[0]!;
			parts.push(
				'Pickup, the node fixture (it notes its start), one job at a time with random gaps (ms):',
				table(['runner', 'jobs', 'p50', 'p95', 'p50 over a bare spawn'], p.pickup.map(row => [row.label, String(row.count), fmt(row.p50), fmt(row.p95), row === floor ? '-' : `+${fmt(row.p50 - floor.p50)}`])),
			);
		}
	}

	return parts.join('\n\n');
}

/** "142 (131-160)": the median and the range of some runs. */
function medianRange(values: readonly number[], digits: number): string {
	return `${fmt(median(values), digits)} (${fmt(Math.min(...values), digits)}-${fmt(Math.max(...values), digits)})`;
}

/** Puts the figures between the markers of `file`, keeping the hand-written text around them. */
export function writeReport(file: string, m: Measurements): void {
	const figures = `${START}\n${renderMeasurements(m)}\n${END}`;
	let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : `# Benchmarks\n\n${START}\n${END}\n`;
	const start = text.indexOf('<!-- bench:start');
	const end = text.indexOf(END, start);
	text = start === -1 || end === -1 ? `${text.trimEnd()}\n\n${figures}\n` : `${text.slice(0, start)}${figures}${text.slice(end + END.length)}`;
	fs.mkdirSync(path.dirname(file), {recursive: true});
	fs.writeFileSync(file, text);
}
