// node scripts/bench-ui.ts: the dashboard with 100,000 finished results. Starts `spool ui` on a home of
// that many results, opens its Tasks page in chromium and measures the first meaningful paint (from
// navigation until the first rows are on screen) and the ui process's peak RSS; 5 runs, each with a new
// `spool ui` and a new browser profile. Prints the median and range; docs/benchmarks.md keeps them.
//   --results N   finished results (default 100000)   --runs N   runs (default 5)
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {parseArgs} from 'node:util';
import {chromium} from 'playwright-core';
import {makeBenchHome} from './bench/bench-home.ts';
import {placeResults, writeTodaysLedger} from './bench/finished-home.ts';
import {describeMachine} from './bench/machine.ts';
import {median} from './bench/stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const {values} = parseArgs({options: {results: {type: 'string', default: '100000'}, runs: {type: 'string', default: '5'}}});
const RESULTS = Number(values.results);
const RUNS = Number(values.runs);

/** How long after the paint the process is watched for its peak: the index's pass that reads every row runs then. */
const SETTLE_MS = 6000;

type Paint = {inDom: number; painted: number; apiStart: number; apiEnd: number; scriptsEnd: number};
type Run = {startMs: number; paintMs: number; rowsMs: number; scriptsMs: number; apiMs: number; rssPeakMiB: number; rssAfterMiB: number};

function startUi(home: string): Promise<{child: ChildProcess; url: string; startMs: number}> {
	const started = performance.now();
	const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'spool.js'), 'ui', '--port', '0'], {env: {...process.env, SPOOL_HOME: home, SPOOL_LOG_LEVEL: 'warn'}, stdio: ['ignore', 'pipe', 'inherit']});
	return new Promise((resolve, reject) => {
		let out = '';
		child.stdout!.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			const url = /open {3}(http:\/\/[^/]+\/)#token=/.exec(out)?.[1];
			if (url) resolve({child, url, startMs: performance.now() - started});
		});
		child.once('exit', code => reject(new Error(`spool ui exited (${code}) before it listened:\n${out}`)));
	});
}

/** VmHWM (the peak resident set so far) and VmRSS of a process, in MiB. */
function memoryOf(pid: number): {peak: number; now: number} {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
	return {peak: kib('VmHWM') / 1024, now: kib('VmRSS') / 1024};
}

async function measureOnce(home: string): Promise<Run> {
	const profile = fs.mkdtempSync(path.join(home, '..', 'spool-bench-chromium-'));
	const ui = await startUi(home);
	const context = await chromium.launchPersistentContext(profile, {executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'], viewport: {width: 1280, height: 800}});
	try {
		const page = context.pages()[0] ?? (await context.newPage());
		// From the navigation's start (performance.now()'s origin): the first task row in the DOM, then the frame that paints it.
		await page.addInitScript(() => {
			const seen = new MutationObserver(() => {
				if (document.querySelector('.task-row')) {
					seen.disconnect();
					const inDom = performance.now();
					requestAnimationFrame(() => setTimeout(() => {
						const resources = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
						const api = resources.find(entry => entry.name.includes('/api/tasks'));
						const scripts = resources.filter(entry => /\.m?js$/.test(entry.name));
						Object.assign(window, {benchPaint: {inDom, painted: performance.now(), apiStart: api?.startTime ?? Number.NaN, apiEnd: api?.responseEnd ?? Number.NaN, scriptsEnd: Math.max(...scripts.map(entry => entry.responseEnd))}});
					}, 0));
				}
			});
			seen.observe(document, {childList: true, subtree: true});
		});
		await page.goto(`${ui.url}#/tasks`);
		await page.locator('.task-row').first().waitFor({timeout: 60_000});
		const paint = (await page.waitForFunction(() => (window as unknown as {benchPaint?: Paint}).benchPaint)).jsonValue() as Promise<Paint>;
		const {inDom, painted, apiStart, apiEnd, scriptsEnd} = await paint;
		const rows = await page.locator('.task-row').count();
		if (rows !== 50) throw new Error(`the first page showed ${rows} rows, not 50`);
		await new Promise(resolve => setTimeout(resolve, SETTLE_MS));
		const memory = memoryOf(ui.child.pid!);
		return {startMs: ui.startMs, rowsMs: inDom, paintMs: painted, scriptsMs: scriptsEnd, apiMs: apiEnd - apiStart, rssPeakMiB: memory.peak, rssAfterMiB: memory.now};
	} finally {
		await context.close();
		ui.child.kill('SIGTERM');
		await new Promise(resolve => ui.child.once('exit', resolve));
		fs.rmSync(profile, {recursive: true, force: true});
	}
}

const summary = (values: number[], digits = 0) => `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)})`;

const machine = describeMachine();
console.log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, ${machine.filesystem}, node ${machine.node}, load ${machine.loadAverage.map(load => load.toFixed(2)).join(' ')}`);
const built = performance.now();
const bench = makeBenchHome({coder: {}});
placeResults(bench, 'coder', RESULTS);
writeTodaysLedger(bench, 'coder', RESULTS);
console.log(`a home of ${RESULTS} finished results (and their transcripts and ledger lines) in ${((performance.now() - built) / 1000).toFixed(1)} s`);

const runs: Run[] = [];
for (let n = 1; n <= RUNS; n++) {
	const run = await measureOnce(bench.home);
	runs.push(run);
	console.log(`run ${n}: listening after ${run.startMs.toFixed(0)} ms, the page's modules in at ${run.scriptsMs.toFixed(0)} ms, GET /api/tasks ${run.apiMs.toFixed(0)} ms, first rows in the DOM at ${run.rowsMs.toFixed(0)} ms and painted at ${run.paintMs.toFixed(0)} ms, RSS peak ${run.rssPeakMiB.toFixed(0)} MiB (${run.rssAfterMiB.toFixed(0)} MiB ${SETTLE_MS / 1000} s later)`);
}

console.log(`\n| ${RESULTS} results, ${RUNS} runs | median (range) |\n| --- | --- |`);
console.log(`| spool ui listening, from its start | ${summary(runs.map(run => run.startMs))} ms |`);
console.log(`| Tasks page: first rows painted, from navigation | ${summary(runs.map(run => run.paintMs))} ms |`);
console.log(`| of which: the page's modules loaded | ${summary(runs.map(run => run.scriptsMs))} ms |`);
console.log(`| of which: GET /api/tasks (first page, 50 rows) | ${summary(runs.map(run => run.apiMs))} ms |`);
console.log(`| ui process RSS peak (VmHWM), the index warm | ${summary(runs.map(run => run.rssPeakMiB))} MiB |`);
console.log(`| ui process RSS ${SETTLE_MS / 1000} s after the paint | ${summary(runs.map(run => run.rssAfterMiB))} MiB |`);
