import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, readJson, ROOT, spool, SPOOL_BIN, waitFor} from './helpers/home.ts';
import {loadConfig} from '../src/config/load.ts';
import {appendJsonLine} from '../src/queue/append-line.ts';
import {dayOf} from '../src/ledger/day.ts';
import type {LedgerEntryInput} from '../src/ledger/entry.ts';
import {ledgerEntry} from './helpers/ledger.ts';

let api: FakeApi;
/** No key from the test's own environment may count for an auth home. */
const NO_KEY = {ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_OAUTH_TOKEN: ''};

beforeAll(async () => {
	api = await startFakeApi(request => ({text: `answer to: ${request.prompt}`}));
});

afterAll(async () => {
	await api.close();
});

describe('the spool CLI', () => {
	test('init creates a spool home whose credentials and queue files git ignores, and says how to start it from anywhere', async () => {
		const dir = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-init-')), 'my home');
		const run = await spool(dir, ['init', dir], {env: NO_KEY});
		expect(run.exitCode).toBe(0);
		expect(run.stdout).toContain('spool home ready');
		for (const entry of ['spool.yaml', 'prompts/coder.md', 'prompts/orchestrator.md', 'tasks/coder', 'results/coder', 'auth-homes/coder', 'auth-homes/orchestrator', 'workflows', 'goals', '.gitignore']) {
			await fs.access(path.join(dir, entry));
		}

		expect((await fs.stat(path.join(dir, 'auth-homes', 'coder'))).mode & 0o777).toBe(0o700);
		// Its own .gitignore, not the repository's (node_modules/, .ci/node/).
		const gitignore = await fs.readFile(path.join(dir, '.gitignore'), 'utf8');
		expect(gitignore.split('\n').filter(line => line.startsWith('/'))).toEqual(['/auth-homes/', '/tasks/', '/processing/', '/results/', '/rejected/', '/paused/', '/control/', '/archive/', '/ledger/', '/events/', '/outbox/', '/reports/', '/workspaces/', '/logs/', '/.env']);
		// The editor's schema line names a file that exists.
		const schema = /# yaml-language-server: \$schema=(.+)$/m.exec(await fs.readFile(path.join(dir, 'spool.yaml'), 'utf8'))?.[1];
		expect(schema).toBe(path.join(ROOT, 'schema', 'config.schema.json'));
		expect(run.stdout).toContain('credentials: coder, reviewer have none yet; run "spool login coder" and "spool login reviewer"');

		// "next:" works as printed from another folder, with no spool on PATH (status stands in for up, which never exits).
		const next = /^next: (.+) up$/m.exec(run.stdout)?.[1];
		expect(next).toMatch(/^cd '.+\/my home' && node \S+\/bin\/spool\.js$/);
		const status = await execa('sh', ['-c', `${next} status`], {cwd: os.tmpdir(), env: {SPOOL_HOME: ''}, reject: false});
		expect(status.stderr).toBe('');
		expect(status.stdout).toMatch(/^WORKER\s+LOOPS/);
		// When the node on PATH is another (older) one, the command names the node that spool runs on.
		const oldPath = await spool(dir, ['init', dir], {env: {PATH: '/usr/bin:/bin'}});
		expect(oldPath.stdout).toContain(`&& ${process.execPath} ${SPOOL_BIN} up`);

		const again = await spool(dir, ['init', dir]);
		expect(again.stdout).toContain('nothing to create');
		expect(again.stdout).not.toContain('warning');
		// A .gitignore of the user's own is not changed, but one that would let credentials into git is named.
		await fs.writeFile(path.join(dir, '.gitignore'), 'node_modules/\n');
		expect((await spool(dir, ['init', dir])).stdout).toContain(`warning: ${path.join(dir, '.gitignore')} does not ignore auth-homes/, where credentials live; add these lines to it:\n# What runs`);
		expect(await fs.readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules/\n');
	});

	test('submit --wait queues a task, waits for the real CLI\'s answer and prints it', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			const run = await spool(home, ['submit', 'coder', '--id', 'q1', '--wait', '--timeout', '2m', 'What is 6 x 7?']);
			expect(run.stderr).toBe('');
			expect(run.stdout).toBe('q1\nanswer to: What is 6 x 7?');
			expect(run.exitCode).toBe(0);
			const fromFile = path.join(home, 'prompt.txt');
			await fs.writeFile(fromFile, 'prompt from a file');
			const second = await spool(home, ['submit', 'coder', '--file', fromFile]);
			expect(second.exitCode).toBe(0);
			const id = second.stdout.trim();
			expect(id).toMatch(/^\d{8}T\d{6}-\d{3}-[0-9a-f]{6}$/);
			const result = await waitFor(() => readJson(path.join(home, 'results', 'coder', `${id}.json`)), 20_000, 'result');
			expect(result.result).toBe('answer to: prompt from a file');
		} finally {
			worker.kill('SIGTERM');
			await worker;
		}
	}, 60_000);

	test('submit --wait with no loop of the worker running says so on stderr, and keeps waiting for one', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const submit = spool(home, ['submit', 'coder', '--id', 'early', '--wait', 'Anyone there?']);
		let stderr = '';
		submit.stderr?.on('data', chunk => {
			stderr += String(chunk);
		});
		await waitFor(() => stderr.includes('\n'), 10_000, 'the warning');
		expect(stderr).toBe('no loop of worker "coder" is running; start one with "spool up" (the task waits in tasks/coder/)\n');
		const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			const run = await submit;
			expect(run.exitCode).toBe(0);
			expect(run.stdout).toBe('early\nanswer to: Anyone there?');
		} finally {
			worker.kill('SIGTERM');
			await worker;
		}
	}, 60_000);

	test('submit refuses bad input with a clear error and writes nothing', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const unknown = await spool(home, ['submit', 'nobody', 'hi']);
		expect(unknown.exitCode).toBe(1);
		expect(unknown.stderr).toContain('no worker named "nobody"');
		const badId = await spool(home, ['submit', 'coder', '--id', '../escape', 'hi']);
		expect(badId.stderr).toContain('unsafe task id "../escape"');
		const badTimeout = await spool(home, ['submit', 'coder', '--timeout', 'forever', 'hi']);
		expect(badTimeout.exitCode).toBe(2);
		expect(badTimeout.stderr).toContain('--timeout expected a duration such as "30s", "10m", "2h" or a number of seconds; got "forever"');
		expect((await spool(home, ['submit', 'coder', '--timeout', '0', 'hi'])).stderr).toContain('--timeout must be at least 1ms; got "0"');
		const badTurns = await spool(home, ['submit', 'coder', '--max-turns', 'abc', 'hi']);
		expect(badTurns.exitCode).toBe(2);
		expect(badTurns.stderr).toContain('--max-turns must be a whole number above 0 such as 40; got "abc"');
		const usage = await spool(home, ['submit', 'coder']);
		expect(usage.exitCode).toBe(2);
		expect(usage.stderr).toContain('Usage: spool submit');
		// An unknown option is named, with the options the command does take; not parseArgs's own paragraph.
		const option = await spool(home, ['submit', 'coder', '--colour', 'red', 'hi']);
		expect(option.exitCode).toBe(2);
		expect(option.stderr).toMatch(/^spool submit: unknown option "--colour"; its options: --file, --id, --model, --cwd(, --[a-z-]+)*, --timeout, --max-turns(, --[a-z-]+)*, --wait(, --[a-z-]+)*, --help\nUsage: spool submit /);
		expect((await spool(home, ['up', '-x'])).stderr).toMatch(/^spool up: unknown option "-x"; it takes no options but --help\n/);
		expect((await spool(home, ['submit', 'coder', 'hi', '--id'])).stderr).toMatch(/^spool submit: option "--id" needs a value\n/);
		expect((await spool(home, ['status', '--json=yes'])).stderr).toMatch(/^spool status: option "--json" takes no value\n/);
		await expect(fs.readdir(path.join(home, 'tasks'))).rejects.toThrow();
	});

	test('status counts the queue from the folders and today from the ledger, never reading a result; --json gives the same as data', async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}}});
		await dropTask(home, 'coder', 'waiting', {prompt: 'later'});
		await dropTask(home, 'stray', 'x', {prompt: 'nobody'});
		// A folder that names no worker and holds nothing (its tasks were rejected, or a dotfile only) is not worth a line.
		await fs.mkdir(path.join(home, 'tasks', 'nosuch'));
		await fs.mkdir(path.join(home, 'tasks', 'debris'));
		await fs.writeFile(path.join(home, 'tasks', 'debris', '.x.json.swp'), '');
		// A result file is not read: one that claims $100 changes nothing.
		await fs.mkdir(path.join(home, 'results', 'coder'), {recursive: true});
		await fs.writeFile(path.join(home, 'results', 'coder', 'notes.json'), JSON.stringify({status: 'succeeded', costUsd: 100}));
		await fs.mkdir(path.join(home, 'rejected', 'coder'), {recursive: true});
		await fs.writeFile(path.join(home, 'rejected', 'coder', 'bad.json'), '{');
		const config = loadConfig(home);
		const today = dayOf(Date.now(), config.budget.timezone);
		const line = (fields: Partial<LedgerEntryInput>) => ledgerEntry({costUsd: 0.25, durationMs: 5, ...fields});
		const ledger = path.join(home, 'ledger', `${today}.jsonl`);
		appendJsonLine(ledger, line({}));
		appendJsonLine(ledger, line({outcome: 'retrying', error: 'timeout', costUsd: 0.5}));
		appendJsonLine(ledger, line({worker: 'reviewer', auth: 'subscription', costUsd: 0.125}));
		await fs.appendFile(ledger, 'not a ledger line\n{"version":1,"half":');
		// Yesterday's runs are not today's.
		appendJsonLine(path.join(home, 'ledger', '2020-01-01.jsonl'), line({costUsd: 7}));
		const json = await spool(home, ['status', '--json']);
		const status = JSON.parse(json.stdout) as {date: string; budget: Record<string, unknown>; workers: Array<Record<string, unknown>>; unknownFolders: string[]};
		expect(status.date).toBe(today);
		expect(status.budget).toMatchObject({date: today, spentUsd: 0.875, dailyUsd: null, state: 'ok'});
		expect(status.workers[0]).toMatchObject({worker: 'coder', pending: 1, running: 0, rejected: 1, today: {runs: 2, succeeded: 1, retried: 1, costUsd: 0.75}, budget: {spentUsd: 0.75, dailyUsd: null, state: 'ok'}});
		expect(status.workers[1]).toMatchObject({worker: 'reviewer', today: {runs: 1, succeeded: 1, costUsd: 0.125, estimatedUsd: 0.125}});
		expect(status.unknownFolders).toEqual(['stray']);
		const text = await spool(home, ['status']);
		expect(text.stdout).toMatch(/^WORKER\s+LOOPS\s+PENDING\s+RUNNING\s+WAITING\s+REJECTED\s+RUNS\s+SUCCEEDED\s+FAILED\s+RETRIED\s+DEAD\s+CANCELED\s+UNCOUNTED\s+COST\s+BUDGET$/m);
		expect(text.stdout).toMatch(/^coder\s+0\s+1\s+0\s+0\s+1\s+2\s+1\s+0\s+1\s+0\s+0\s+0\s+\$0\.7500\s+-$/m);
		expect(text.stdout).toContain('$0.1250 of today\'s cost was reported by subscription runs: a list-price estimate, not a bill');
		expect(text.stdout).toContain('folders in tasks/ that name no worker: stray');
	});

	test('tail prints results as they land', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		const tail = spool(home, ['tail', 'coder']);
		let output = '';
		tail.stdout?.on('data', chunk => {
			output += String(chunk);
		});
		try {
			await new Promise(resolve => setTimeout(resolve, 500));
			await dropTask(home, 'coder', 'tailed', {prompt: 'show me'});
			await waitFor(() => output.includes('coder/tailed succeeded'), 20_000, 'tail line');
			expect(output).toMatch(/\d\d:\d\d:\d\d coder\/tailed succeeded \d+\.\ds \$\d\.\d{4} answer to: show me/);
		} finally {
			tail.kill('SIGTERM');
			worker.kill('SIGTERM');
			await Promise.all([tail, worker]);
		}
	}, 60_000);

	test('every command has --help, and an unknown command says so', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const commands = ['up', 'down', 'worker', 'orchestrator', 'init', 'submit', 'plan', 'status', 'list', 'cost', 'report', 'show', 'review', 'cancel', 'retry', 'clean', 'resume', 'tail', 'ui', 'login', 'compose', 'health', 'mcp', 'answer', 'approve', 'deny', 'hook'];
		for (const command of commands) {
			const run = await spool(home, [command, '--help']);
			expect(run.exitCode, command).toBe(0);
			expect(run.stdout, command).toMatch(new RegExp(`^Usage: spool ${command}`));
		}

		const usage = await spool(home, ['--help']);
		expect(usage.exitCode).toBe(0);
		expect(usage.stdout.match(/^ {2}[a-z]+ /gm)?.map(line => line.trim())).toEqual(commands);
		for (const name of ['frobnicate', 'toString']) {
			const unknown = await spool(home, [name]);
			expect(unknown.exitCode).toBe(2);
			expect(unknown.stderr).toContain(`unknown command "${name}"`);
		}
	}, 30_000);

	// This machine keeps an end-of-life Node 20 at /usr/bin/node; where there is none, nothing to run.
	const oldNode = '/usr/bin/node';
	const oldMajor = existsSync(oldNode) ? Number(execFileSync(oldNode, ['-p', 'process.versions.node']).toString().split('.')[0]) : undefined;
	test.skipIf(oldMajor === undefined || oldMajor >= 22)('an old Node says which version spool needs', () => {
		const run = spawnSync(oldNode, [SPOOL_BIN, '--version'], {encoding: 'utf8'});
		expect(run.status).toBe(1);
		expect(run.stderr).toMatch(/^spool needs Node\.js >= 22\.18, which runs TypeScript without a build step; this is Node v\d+/);
	});
});
