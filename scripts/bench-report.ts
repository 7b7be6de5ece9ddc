// node scripts/bench-report.ts [COUNT]: what `spool report` costs on a home with COUNT (default 100,000)
// finished results, spawn to exit, median of 5 runs each: (a) the results are of earlier days and the day
// holds 1,000 of them (its ledger names those), (b) all COUNT finished today, each with its ledger line.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {makeBenchHome, type BenchHome} from './bench/bench-home.ts';
import {nowMs} from './bench/clock.ts';
import {placeResults, resultId, writeTodaysLedger} from './bench/finished-home.ts';
import {benchEnv, SPOOL_BIN} from './bench/runners.ts';

const count = Number(process.argv[2] ?? 100_000);
const RUNS = 5;
const WORKER = 'bench';

function timeReport(bench: BenchHome, args = ['report']): number[] {
	const times: number[] = [];
	for (let run = 0; run < RUNS; run++) {
		const started = nowMs();
		const done = spawnSync(process.execPath, [SPOOL_BIN, ...args], {env: benchEnv(bench), stdio: ['ignore', 'pipe', 'pipe']});
		times.push(nowMs() - started);
		if (done.status !== 0) {
			throw new Error(`spool ${args.join(' ')} exited ${done.status}: ${String(done.stderr).slice(0, 500)}`);
		}
	}

	return times.sort((a, b) => a - b);
}

function describe(what: string, bench: BenchHome, times: number[]): void {
	const record = JSON.parse(fs.readFileSync(path.join(bench.home, 'reports', fs.readdirSync(path.join(bench.home, 'reports')).find(name => name.endsWith('.json'))!), 'utf8')) as {summary: {tasks: {total: number}}};
	console.log(`${what}: ${record.summary.tasks.total} tasks in the report; median ${times[2]!.toFixed(0)} ms (${times[0]!.toFixed(0)}-${times.at(-1)!.toFixed(0)} ms)`);
}

// (a) COUNT results of earlier days (hard links of a few files, their mtime set a month back), 1,000 of them run again today.
const past = makeBenchHome({[WORKER]: {}});
placeResults(past, WORKER, count);
const old = new Date(Date.now() - 30 * 86_400_000);
for (let n = 0; n < count; n++) {
	fs.utimesSync(path.join(past.home, 'results', WORKER, `${resultId(n)}.json`), old, old);
}

writeTodaysLedger(past, WORKER, 1000);
spawnSync('sync');
describe(`(a) ${count} results, 1,000 of them today`, past, timeReport(past));
const floor = timeReport(past, ['--version']);
console.log(`spool --version (node's start and spool's CLI, the floor of any command): median ${floor[2]!.toFixed(0)} ms`);

// (b) all COUNT finished today, each with its line in today's ledger.
const busy = makeBenchHome({[WORKER]: {}});
placeResults(busy, WORKER, count);
writeTodaysLedger(busy, WORKER, count);
spawnSync('sync');
describe(`(b) ${count} results, all of them today`, busy, timeReport(busy));
