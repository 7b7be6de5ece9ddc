import fs from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {hangOrSlow, startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, dropTask, expectStillServing, listDir, makeHome, readJson, resultOf, spool, waitFor} from './helpers/home.ts';
import {killProcessesOfHome, processesOfHome, processesUnder} from './helpers/processes.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(hangOrSlow);
});

afterAll(async () => {
	await api.close();
});

const downFile = (home: string) => path.join(home, 'control', 'down.json');

async function waitForClaude(home: string, prompt: string): Promise<void> {
	await waitFor(async () => api.requests.some(request => request.prompt === prompt) && (await processesUnder(path.join(home, 'workspaces'))).length > 0, 30_000, `claude running "${prompt}"`);
}

/** Waits until `count` loops of `worker` have written their owner file: they run and can be seen. */
async function waitForLoops(home: string, worker: string, count: number): Promise<void> {
	const processing = path.join(home, 'processing', worker);
	await waitFor(async () => (await listDir(processing)).filter(owner => fs.existsSync(path.join(processing, owner, '.owner.json'))).length === count, 20_000, `${count} loops of ${worker}`);
}

test('spool down drains spool up: the running task finishes, up exits 0 without restarting anything, the request is removed', async () => {
	const home = await makeHome({workers: {coder: {}, reviewer: {}}, queue: {drainTimeout: '30s'}});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	try {
		await dropTask(home, 'coder', 'long', {prompt: 'slow 3000 then done'});
		await waitForClaude(home, 'slow 3000 then done');
		await waitFor(() => fs.existsSync(path.join(home, 'control', 'orchestrator.json')), 20_000, 'the orchestrator');
		// A second up in the same home is refused, not left restarting an orchestrator forever.
		const second = await spool(home, ['up'], {env: apiEnv(api.url)});
		expect(second.exitCode).toBe(1);
		expect(second.stderr).toMatch(/spool up: an orchestrator already runs in .*: another "spool up" or a container; stop it with "spool down" first/);
		const down = await spool(home, ['down']);
		expect(down.exitCode).toBe(0);
		expect(down.stdout).toMatch(/^asked 2 worker loops and the orchestrator to drain and exit \(running tasks get up to 30s, then go back to the queue\):$/m);
		expect(down.stdout).toMatch(/^ {2}worker coder \(loop [\w-]+\): process \d+ runs, heartbeat \d+\.\d s old$/m);
		expect(down.stdout).toMatch(/^waiting for them to stop\.\.\.$/m);
		expect(down.stdout).toMatch(/^ {2}worker coder \(loop [\w-]+\) is gone: stopped \(removed at close\)$/m);
		expect(down.stdout).toMatch(/^ {2}orchestrator is gone: stopped \(removed at close\)$/m);
		expect(down.stdout).toMatch(/^every one has stopped \(\d+\.\d s\)$/m);
		expect(await resultOf(home, 'coder', 'long')).toMatchObject({status: 'succeeded', attempts: 1});
		const exit = await up;
		expect(exit.exitCode).toBe(0);
		expect(fs.existsSync(downFile(home))).toBe(false);
		expect(await processesOfHome(home)).toEqual([]);
		expect(fs.readFileSync(path.join(home, 'logs', 'up.log'), 'utf8')).not.toContain('process exited; restarting it');
	} finally {
		await killProcessesOfHome(home);
	}
}, 60_000);

test('a second spool down hands the running task back at once; both return', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '60s'}});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	try {
		await dropTask(home, 'coder', 'stuck', {prompt: 'hang until a second down'});
		await waitForClaude(home, 'hang until a second down');
		const first = spool(home, ['down']);
		await waitFor(() => fs.existsSync(downFile(home)), 10_000, 'the first request');
		await new Promise(resolve => setTimeout(resolve, 1500));
		const secondAt = Date.now();
		const second = await spool(home, ['down']);
		expect(second.exitCode).toBe(0);
		// The orchestrator, which runs no task, has stopped already.
		expect(second.stdout).toMatch(/^a spool down is already under way; asked 1 worker loop to hand their running tasks back now and exit:$/m);
		expect((await first).exitCode).toBe(0);
		expect(Date.now() - secondAt).toBeLessThan(10_000);
		expect((await up).exitCode).toBe(0);
		expect(await readJson(path.join(home, 'tasks', 'coder', 'stuck.json'))).toEqual({prompt: 'hang until a second down'});
		expect(await resultOf(home, 'coder', 'stuck')).toBeUndefined();
		expect(await processesOfHome(home)).toEqual([]);
		expect(fs.existsSync(downFile(home))).toBe(false);
	} finally {
		await killProcessesOfHome(home);
	}
}, 60_000);

test('spool down --now stops loops started by hand (as containers run them), each exiting 0; the task goes back uncounted', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '60s'}});
	const loops = [spool(home, ['worker', 'coder'], {env: apiEnv(api.url)}), spool(home, ['worker', 'coder'], {env: apiEnv(api.url)}), spool(home, ['orchestrator'])];
	try {
		await waitForLoops(home, 'coder', 2);
		await dropTask(home, 'coder', 'stuck', {prompt: 'hang until down --now'});
		await waitForClaude(home, 'hang until down --now');
		const down = await spool(home, ['down', '--now']);
		expect(down.exitCode).toBe(0);
		expect(down.stdout).toContain('asked 2 worker loops and the orchestrator to hand their running tasks back now and exit:');
		for (const loop of loops) {
			expect((await loop).exitCode).toBe(0);
		}

		expect(await readJson(path.join(home, 'tasks', 'coder', 'stuck.json'))).toEqual({prompt: 'hang until down --now'});
		expect(await processesOfHome(home)).toEqual([]);
	} finally {
		await killProcessesOfHome(home);
	}
}, 60_000);

test('a loop started after the request ignores it (a container docker restarts): down does not wait for it, and it serves on', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '30s'}});
	const old = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	let restarted: ReturnType<typeof spool> | undefined;
	try {
		await waitForLoops(home, 'coder', 1);
		await dropTask(home, 'coder', 'long', {prompt: 'slow 2500 before the restart'});
		await waitForClaude(home, 'slow 2500 before the restart');
		const down = spool(home, ['down']);
		await waitFor(() => fs.existsSync(downFile(home)), 10_000, 'the request');
		// Started while the old loop drains, as `restart: unless-stopped` starts one the moment it exits.
		restarted = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		await waitForLoops(home, 'coder', 2);
		expect((await old).exitCode).toBe(0);
		const done = await down;
		expect(done.exitCode).toBe(0);
		expect(done.stdout).toMatch(/^asked 1 worker loop to drain/m);
		expect(await resultOf(home, 'coder', 'long')).toMatchObject({status: 'succeeded', attempts: 1});
		await expectStillServing(home, 'coder', 'after-down');
		expect(() => process.kill(restarted!.pid!, 0)).not.toThrow(); // Still running.
	} finally {
		restarted?.kill('SIGTERM');
		await restarted;
		await killProcessesOfHome(home);
	}
}, 60_000);

test('past --timeout, spool down names what still runs and exits 1; the request stays, and a second down stops it at once', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '60s'}});
	const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	try {
		await waitForLoops(home, 'coder', 1);
		await dropTask(home, 'coder', 'stuck', {prompt: 'hang past the timeout'});
		await waitForClaude(home, 'hang past the timeout');
		const late = await spool(home, ['down', '--timeout', '2s']);
		expect(late.exitCode).toBe(1);
		expect(late.stderr).toMatch(/^still running after 2\.\d s:\n {2}worker coder \(loop [\w-]+\): process \d+ runs, heartbeat \d+\.\d s old$/m);
		expect(late.stderr).toContain('"spool down" again hands their running tasks back at once');
		expect(await readJson(downFile(home))).toMatchObject({version: 1, now: false, requestedAt: expect.any(String)});
		// The loop drains meanwhile: it claims nothing new.
		await dropTask(home, 'coder', 'not-claimed', {prompt: 'never claimed while draining'});
		await new Promise(resolve => setTimeout(resolve, 1500));
		expect(await listDir(path.join(home, 'tasks', 'coder'))).toContain('not-claimed.json');

		const again = await spool(home, ['down']);
		expect(again.exitCode).toBe(0);
		expect(again.stdout).toContain('a spool down is already under way');
		expect((await worker).exitCode).toBe(0);
		expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual(['not-claimed.json', 'stuck.json']);
		expect(fs.existsSync(downFile(home))).toBe(false);
	} finally {
		await killProcessesOfHome(home);
	}
}, 60_000);

test('spool down with nothing running says so and removes a request nothing obeys; a later spool up runs', async () => {
	const home = await makeHome({workers: {coder: {}}});
	fs.mkdirSync(path.join(home, 'control'));
	fs.writeFileSync(downFile(home), JSON.stringify({version: 1, requestedAt: new Date(Date.now() - 60_000).toISOString(), now: false}));
	const idle = await spool(home, ['down']);
	expect(idle.exitCode).toBe(0);
	expect(idle.stdout).toBe(`nothing to stop: no worker loop or orchestrator of ${home} is running`);
	expect(fs.existsSync(downFile(home))).toBe(false);

	// A stale request (a down that timed out an hour ago) concerns no process started after it.
	fs.writeFileSync(downFile(home), JSON.stringify({version: 1, requestedAt: new Date(Date.now() - 3_600_000).toISOString(), now: true}));
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	try {
		await expectStillServing(home, 'coder', 'after-stale-request');
		expect(() => process.kill(up.pid!, 0)).not.toThrow(); // Still running.
	} finally {
		up.kill('SIGTERM');
		await up;
		await killProcessesOfHome(home);
	}
}, 60_000);

test('spool down --help, and a bad --timeout is a usage error', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const help = await spool(home, ['down', '--help']);
	expect(help.exitCode).toBe(0);
	expect(help.stdout).toContain('Usage: spool down [--now] [--timeout T]');
	expect(help.stdout).toContain('default: queue.drainTimeout + 15s');
	const bad = await spool(home, ['down', '--timeout', 'soon']);
	expect(bad.exitCode).toBe(2);
	expect(bad.stderr).toContain('--timeout: expected a duration such as "90s" or "5m", got "soon"');
});
