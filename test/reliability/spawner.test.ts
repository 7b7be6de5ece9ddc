import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {spawnRun, type Spawned} from '../../src/worker/spawner.ts';
import {dropTask, makeHome, ROOT, spool, waitFor} from '../helpers/home.ts';
import {spawnerHelpersOf} from '../helpers/processes.ts';

/*
 * Every claude run is started by a small helper process (src/worker/spawner.ts), not by the worker: these
 * hold that a run sees what it did when the worker forked it itself, and that nothing is lost or left
 * running when the helper or the worker dies.
 */

function parentOf(pid: number): number {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function groupOf(pid: number): number {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function alive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
	} catch {
		return false;
	}
}

async function collect(child: Spawned): Promise<{out: string; err: string; status: [number | null, string | null]}> {
	let out = '';
	let err = '';
	child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
	for await (const chunk of child.stdout) {
		out += (chunk as Buffer).toString();
	}

	return {out, err, status: await child.closed};
}

/** A short run, to learn the current helper's pid (its parent). */
async function spawnProbe(): Promise<Spawned> {
	const outcome = await spawnRun({bin: '/bin/sleep', args: ['0.2'], cwd: '/tmp', env, prompt: ''});
	return (outcome as {ok: true; child: Spawned}).child;
}

const env = {PATH: process.env.PATH ?? '/usr/bin:/bin', SPOOL_TEST_VALUE: 'seen'};

/*
 * The same run started either way: by the helper (every run, as a worker starts them), and from this
 * process itself (SPOOL_SPAWN_DIRECT=1, and the fallback when the helper cannot start or died).
 */
describe.each([
	{way: 'by the spawner helper', direct: false},
	{way: 'from the worker itself (SPOOL_SPAWN_DIRECT=1, the fallback)', direct: true},
])('runs started $way', ({direct}) => {
	const outer = process.env.SPOOL_SPAWN_DIRECT;
	beforeAll(() => {
		if (direct) {
			process.env.SPOOL_SPAWN_DIRECT = '1';
		} else {
			delete process.env.SPOOL_SPAWN_DIRECT;
		}
	});

	afterAll(() => {
		if (outer === undefined) {
			delete process.env.SPOOL_SPAWN_DIRECT;
		} else {
			process.env.SPOOL_SPAWN_DIRECT = outer;
		}
	});

	test('the prompt on stdin, its own process group, its environment and cwd, stdout and stderr in full, its exit code', async () => {
		const script = 'read line; echo "got:$line"; echo "env:$SPOOL_TEST_VALUE"; pwd; echo "to stderr" >&2; head -c 3000000 /dev/zero | tr "\\0" x; echo; exit 3';
		const started = await spawnRun({bin: '/bin/sh', args: ['-c', `sleep 0.2; ${script}`], cwd: '/tmp', env, prompt: 'the prompt\n'});
		expect(started.ok).toBe(true);
		const {child} = started as {ok: true; child: Spawned};
		// Forked by the helper or by this process, as asked, and the leader of a group of its own.
		if (direct) {
			expect(parentOf(child.pid)).toBe(process.pid);
		} else {
			expect(parentOf(child.pid)).not.toBe(process.pid);
		}

		expect(groupOf(child.pid)).toBe(child.pid);
		const {out, err, status} = await collect(child);
		const lines = out.split('\n');
		expect(lines.slice(0, 3)).toEqual(['got:the prompt', 'env:seen', '/tmp']);
		expect(lines[3]).toBe('x'.repeat(3_000_000));
		expect(err).toBe('to stderr\n');
		expect(status).toEqual([3, null]);
		expect(await child.exited).toEqual([3, null]);
	});

	test('a binary that does not exist, a cwd that does not exist, arguments over the limit: each an error with its code, as a direct spawn gives', async () => {
		const missing = await spawnRun({bin: '/nowhere/claude', args: [], cwd: '/tmp', env, prompt: ''});
		expect(missing).toMatchObject({ok: false, error: {code: 'ENOENT'}});
		const noCwd = await spawnRun({bin: '/bin/true', args: [], cwd: '/nowhere/at/all', env, prompt: ''});
		expect(noCwd).toMatchObject({ok: false, error: {code: 'ENOENT'}});
		const huge = await spawnRun({bin: '/bin/true', args: ['x'.repeat(200 * 1024)], cwd: '/tmp', env, prompt: ''});
		expect(huge).toMatchObject({ok: false, error: {code: 'E2BIG'}});
		// And the next run goes through as ever.
		const next = await spawnRun({bin: '/bin/echo', args: ['fine'], cwd: '/tmp', env, prompt: ''});
		expect((await collect((next as {ok: true; child: Spawned}).child)).out).toBe('fine\n');
	});
});

describe('the spawner helper lost', () => {
	test('the helper killed in the middle of a run: that run is killed and ends as killed, and the next run starts a new helper', async () => {
		const started = await spawnRun({bin: '/bin/sh', args: ['-c', 'echo started; sleep 60'], cwd: '/tmp', env, prompt: ''});
		const {child} = started as {ok: true; child: Spawned};
		const helper = parentOf(child.pid);
		let out = '';
		let err = '';
		child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
		const ended = new Promise(resolve => child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString())).once('end', resolve));
		await waitFor(() => out === 'started\n', 5000, 'the run to write');
		process.kill(helper, 'SIGKILL');
		await ended;
		const status = await child.closed;
		expect(err).toContain('the process that started this run ended');
		expect(status).toEqual([null, 'SIGKILL']);
		await waitFor(() => !alive(child.pid), 5000, 'the run to be gone');

		const next = await spawnRun({bin: '/bin/echo', args: ['again'], cwd: '/tmp', env, prompt: ''});
		const nextChild = (next as {ok: true; child: Spawned}).child;
		expect(parentOf(nextChild.pid)).not.toBe(helper);
		expect((await collect(nextChild)).out).toBe('again\n');

		// Killed again, with three runs asked in the same turn (found by a review: a second EPIPE was uncaught).
		process.kill(parentOf((await spawnProbe()).pid), 'SIGKILL');
		const three = await Promise.all([1, 2, 3].map(n => spawnRun({bin: '/bin/echo', args: [`n${n}`], cwd: '/tmp', env, prompt: ''})));
		const outs = await Promise.all(three.map(async outcome => (outcome.ok ? (await collect(outcome.child)).out : `error ${outcome.error.code}`)));
		// Each either ran (through a new helper, or forked here) or was refused as not started: none hangs, none takes this process down.
		for (const [n, out] of outs.entries()) {
			expect([`n${n + 1}\n`, 'error ESPAWNER']).toContain(out);
		}
	});
});

test('the crash probe: a worker killed with kill -9 under 20 running tasks leaves no helper behind, and another loop ends with exactly one result per task', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 20}}, queue: {lease: '1s'}});
	const slow = path.join(home, 'slow-claude.sh');
	fs.writeFileSync(slow, '#!/bin/sh\nread x\nsleep 2\nprintf \'{"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s","total_cost_usd":0,"usage":{}}\\n\'\n', {mode: 0o755});
	const ids = Array.from({length: 20}, (_, n) => `t${n}`);
	const worker = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: slow}});
	for (const id of ids) {
		await dropTask(home, 'coder', id, {prompt: 'work'});
	}

	const processing = path.join(home, 'processing', 'coder');
	const started = () => (fs.existsSync(processing) ? fs.readdirSync(processing, {recursive: true}).map(String).filter(name => name.includes('@')).length : 0);
	await waitFor(() => started() === 20, 20_000, 'all 20 runs to start');
	const helpers = await spawnerHelpersOf(worker.pid!);
	expect(helpers).toHaveLength(1);
	worker.kill('SIGKILL');
	await worker.catch(() => undefined);
	const killedAt = Date.now();
	await waitFor(() => !alive(helpers[0]!), 5000, 'the helper to end with its worker');

	// Another loop takes the runs back once their leases are out and runs each to one result.
	const again = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: slow}});
	try {
		const results = path.join(home, 'results', 'coder');
		await waitFor(() => fs.existsSync(results) && ids.every(id => fs.existsSync(path.join(results, `${id}.json`))), 40_000, 'the 20 results');
		console.log(`crash probe: 20 results ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
		for (const id of ids) {
			const result = JSON.parse(fs.readFileSync(path.join(results, `${id}.json`), 'utf8')) as {status: string; attempts: number};
			expect(result.status).toBe('succeeded');
			expect(result.attempts).toBe(2);
		}

		// One result each: none went to .history as a second one.
		expect(fs.existsSync(path.join(results, '.history'))).toBe(false);
		expect(fs.readdirSync(results).filter(name => name.endsWith('.json'))).toHaveLength(20);
	} finally {
		again.kill('SIGTERM');
		await again.catch(() => undefined);
	}
}, 90_000);

test("Ctrl-C in the worker's terminal (SIGINT to its process group, the helper's too) drains: the running task finishes and keeps its result", async () => {
	const home = await makeHome({workers: {coder: {}}});
	const slow = path.join(home, 'slow-claude.sh');
	fs.writeFileSync(slow, '#!/bin/sh\nread x\nsleep 1.5\nprintf \'{"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s","total_cost_usd":0,"usage":{}}\\n\'\n', {mode: 0o755});
	// Its own process group, as a shell's foreground job is: the terminal signals the whole group.
	const worker = spawn(process.execPath, [path.join(ROOT, 'bin', 'spool.js'), 'worker', 'coder'], {detached: true, stdio: 'ignore', env: {...process.env, SPOOL_HOME: home, SPOOL_CLAUDE_BIN: slow}});
	const exited = new Promise(resolve => worker.once('exit', resolve));
	await dropTask(home, 'coder', 'one', {prompt: 'work'});
	const processing = path.join(home, 'processing', 'coder');
	await waitFor(() => fs.existsSync(processing) && fs.readdirSync(processing, {recursive: true}).map(String).some(name => name.includes('one@')), 20_000, 'the run to start');
	process.kill(-worker.pid!, 'SIGINT');
	await exited;
	const result = JSON.parse(fs.readFileSync(path.join(home, 'results', 'coder', 'one.json'), 'utf8')) as {status: string; attempts: number};
	expect(result).toMatchObject({status: 'succeeded', attempts: 1});
}, 60_000);
