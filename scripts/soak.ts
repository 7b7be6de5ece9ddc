// The soak: thousands of tasks through several loops of one worker, loops killed at random and
// restarted. Prints what became of every task. `npm run soak` runs the long version; the test suite a
// short one (test/reliability/soak.test.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa, type ResultPromise} from 'execa';
import {stringify} from 'yaml';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SPOOL_BIN = path.join(ROOT, 'bin', 'spool.js');
const FAKE_CLAUDE = path.join(ROOT, 'test', 'fixtures', 'fake-claude.mjs');

export type SoakOptions = {tasks: number; loops: number; concurrency: number; killEveryMs: [number, number]; taskMs: [number, number]; maxAttempts: number; timeLimitMs: number};
export type SoakFigures = {tasks: number; kills: number; retries: number; duplicates: number; lost: number; notSucceeded: number; maxPaidAttempts: number; paidAttempts: number; seconds: number};

export async function runSoak(options: SoakOptions): Promise<SoakFigures> {
	const started = Date.now();
	const home = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'spool-soak-'));
	await fs.mkdir(path.join(home, 'prompts'));
	await fs.writeFile(path.join(home, 'prompts', 'coder.md'), 'soak');
	const queue = {lease: '2s', scanInterval: '200ms', retryBackoff: '100ms', retryBackoffMax: '500ms', drainTimeout: '1s', maxAttempts: options.maxAttempts};
	await fs.writeFile(path.join(home, 'spool.yaml'), stringify({queue, workers: {coder: {concurrency: options.concurrency}}}));
	const tasksDir = path.join(home, 'tasks', 'coder');
	await fs.mkdir(tasksDir, {recursive: true});
	const random = ([low, high]: [number, number]) => low + Math.floor(Math.random() * (high - low));
	for (let i = 0; i < options.tasks; i++) {
		await fs.writeFile(path.join(tasksDir, `s${String(i).padStart(5, '0')}.json`), JSON.stringify({prompt: `sleep:${random(options.taskMs)} task ${i}`}));
	}

	const log = path.join(home, 'claude-starts.jsonl');
	const env = {SPOOL_HOME: home, SPOOL_CLAUDE_BIN: FAKE_CLAUDE, FAKE_CLAUDE_LOG: log, SPOOL_LOG_LEVEL: 'warn'};
	const start = () => execa(process.execPath, [SPOOL_BIN, 'worker', 'coder'], {env, reject: false, stdio: 'ignore'});
	const loops: ResultPromise[] = Array.from({length: options.loops}, start);
	const resultsDir = path.join(home, 'results', 'coder');
	const countResults = async () => (await fs.readdir(resultsDir).catch(() => [])).filter(name => name.endsWith('.json')).length;
	let kills = 0;
	let nextKill = Date.now() + random(options.killEveryMs);
	while ((await countResults()) < options.tasks && Date.now() - started < options.timeLimitMs) {
		if (Date.now() >= nextKill) {
			const index = Math.floor(Math.random() * loops.length);
			await killWithChildren(loops[index]!.pid!);
			await loops[index];
			loops[index] = start();
			kills++;
			nextKill = Date.now() + random(options.killEveryMs);
		}

		await new Promise(resolve => setTimeout(resolve, 50));
	}

	for (const loop of loops) {
		loop.kill('SIGTERM');
	}

	await Promise.all(loops);
	const results = await Promise.all((await fs.readdir(resultsDir)).filter(name => name.endsWith('.json')).map(async name => JSON.parse(await fs.readFile(path.join(resultsDir, name), 'utf8')) as {status: string; attempts: number}));
	// A start is known by its workspace (workspaces/coder/ID): a CLI killed before it read its prompt logs none.
	const starts = (await fs.readFile(log, 'utf8')).trim().split('\n').map(line => path.basename((JSON.parse(line) as {cwd: string}).cwd));
	const perTask = new Map<string, number>();
	for (const id of starts) {
		perTask.set(id, (perTask.get(id) ?? 0) + 1);
	}

	const history = await fs.readdir(path.join(resultsDir, '.history')).catch(() => []);
	const figures: SoakFigures = {
		tasks: options.tasks,
		kills,
		retries: results.reduce((sum, result) => sum + result.attempts - 1, 0),
		duplicates: history.filter(name => name.endsWith('.json')).length,
		lost: options.tasks - results.length,
		notSucceeded: results.filter(result => result.status !== 'succeeded').length,
		maxPaidAttempts: Math.max(0, ...perTask.values()),
		paidAttempts: starts.length,
		seconds: Math.round((Date.now() - started) / 100) / 10,
	};
	if (process.env.SOAK_KEEP) {
		console.log(`soak home kept: ${home}`);
	} else {
		await fs.rm(home, {recursive: true, force: true});
	}

	return figures;
}

/** SIGKILL a loop and the claude processes it started, as an OOM kill of its container would. */
async function killWithChildren(pid: number): Promise<void> {
	const children: number[] = [];
	for (const entry of await fs.readdir('/proc')) {
		const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
		const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
		if (ppid === pid) {
			children.push(Number(entry));
		}
	}

	for (const target of [pid, ...children]) {
		try {
			process.kill(target, 'SIGKILL');
		} catch {
			// Already gone.
		}
	}
}

export function formatFigures(figures: SoakFigures, maxAttempts: number): string {
	return `soak: ${figures.tasks} tasks, ${figures.kills} kills, ${figures.retries} retries, ${figures.duplicates} duplicates, ${figures.lost} lost, ${figures.notSucceeded} not succeeded, ${figures.paidAttempts} paid attempts (max ${figures.maxPaidAttempts} for one task, cap ${maxAttempts}), ${figures.seconds} s`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	const tasks = Number(process.env.SOAK_TASKS ?? 3000);
	const options: SoakOptions = {tasks, loops: 4, concurrency: 4, killEveryMs: [1000, 4000], taskMs: [50, 400], maxAttempts: 5, timeLimitMs: 15 * 60_000};
	const figures = await runSoak(options);
	console.log(formatFigures(figures, options.maxAttempts));
	process.exitCode = figures.lost === 0 && figures.duplicates === 0 && figures.maxPaidAttempts <= options.maxAttempts ? 0 : 1;
}
