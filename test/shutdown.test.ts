import fs from 'node:fs';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {hangOrSlow, startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, dropTask, listDir, makeHome, readJson, resultOf, spool, SPOOL_BIN, waitFor} from './helpers/home.ts';
import {killProcessesOfHome, processesOfHome, processesUnder} from './helpers/processes.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(hangOrSlow);
});

afterAll(async () => {
	await api.close();
});

/** Starts `spool up` and waits until claude runs the task `prompt` (its request reached the stand-in). */
async function upWithRunningTask(home: string, prompt: string) {
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	await dropTask(home, 'coder', 'long', {prompt});
	const workspaces = path.join(home, 'workspaces');
	await waitFor(async () => api.requests.some(request => request.prompt === prompt) && (await processesUnder(workspaces)).length > 0, 30_000, 'claude running the task');
	return {up}; // Not the process itself: an async function would wait for a returned thenable to end.
}

test('SIGTERM ends spool up cleanly: tasks handed back, no claude process left behind', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 2}, reviewer: {}}, queue: {drainTimeout: '1s'}});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	await dropTask(home, 'coder', 'a', {prompt: 'hang one'});
	await dropTask(home, 'coder', 'b', {prompt: 'hang two'});
	await dropTask(home, 'reviewer', 'c', {prompt: 'hang three'});
	const workspaces = path.join(home, 'workspaces');
	await waitFor(async () => api.requests.filter(request => request.prompt.startsWith('hang')).length >= 3 && (await processesUnder(workspaces)).length >= 3, 30_000, 'three claude runs');

	const stopAt = Date.now();
	up.kill('SIGTERM');
	const exit = await up;
	const tookMs = Date.now() - stopAt;
	expect(exit.exitCode).toBe(0);
	expect(tookMs).toBeLessThan(1000 + 5000 + 3000);
	expect(await processesOfHome(home)).toEqual([]);
	expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual(['a.json', 'b.json']);
	expect(await listDir(path.join(home, 'tasks', 'reviewer'))).toEqual(['c.json']);
	// Handed back, not failed: the attempt does not count and no result was written.
	expect(await readJson(path.join(home, 'tasks', 'coder', 'a.json'))).toEqual({prompt: 'hang one'});
	expect(await listDir(path.join(home, 'results', 'coder'))).not.toContain('a.json');
	expect(await listDir(path.join(home, 'processing', 'coder'))).toEqual([]);
}, 60_000);

test('Ctrl-C lets a task longer than 5 s finish within queue.drainTimeout: one paid attempt, nothing left running', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '30s'}});
	const {up} = await upWithRunningTask(home, 'slow 9000 then answer');
	const stopAt = Date.now();
	up.kill('SIGINT');
	const exit = await up;
	const tookMs = Date.now() - stopAt;
	expect(exit.exitCode).toBe(0);
	// Past execa's 5 s force-kill, short of the drain timeout: the run's own end stopped it.
	expect(tookMs).toBeGreaterThan(6000);
	expect(tookMs).toBeLessThan(25_000);
	expect(await resultOf(home, 'coder', 'long')).toMatchObject({status: 'succeeded', attempts: 1, result: 'done: slow 9000 then answer'});
	expect(await processesOfHome(home)).toEqual([]);
	expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);
	expect(await listDir(path.join(home, 'processing', 'coder'))).toEqual([]);
	expect(api.requests.filter(request => request.prompt === 'slow 9000 then answer')).toHaveLength(1);
}, 60_000);

test('a second Ctrl-C hands the running task back at once and leaves no claude process', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '30s'}});
	const {up} = await upWithRunningTask(home, 'slow 20000 twice interrupted');
	up.kill('SIGINT');
	await new Promise(resolve => setTimeout(resolve, 1000));
	const secondAt = Date.now();
	up.kill('SIGINT');
	const exit = await up;
	expect(exit.exitCode).toBe(0);
	expect(Date.now() - secondAt).toBeLessThan(8000);
	expect(await processesOfHome(home)).toEqual([]);
	expect(await readJson(path.join(home, 'tasks', 'coder', 'long.json'))).toEqual({prompt: 'slow 20000 twice interrupted'});
	expect(await resultOf(home, 'coder', 'long')).toBeUndefined();
	expect(await listDir(path.join(home, 'processing', 'coder'))).toEqual([]);
}, 60_000);

/** What closing a terminal window does to what runs in it: the kernel sends SIGHUP, and writes to the terminal fail. */
async function expectDrainedAfterHangup(home: string, hangUp: () => void): Promise<void> {
	await dropTask(home, 'coder', 'long', {prompt: 'hang until the terminal closes'});
	const workspaces = path.join(home, 'workspaces');
	await waitFor(async () => api.requests.some(request => request.prompt === 'hang until the terminal closes') && (await processesUnder(workspaces)).length > 0, 30_000, 'claude running');
	hangUp();
	try {
		// drainTimeout 1 s, then claude's group gets SIGTERM (SIGKILL 5 s later at the latest).
		await waitFor(async () => (await processesOfHome(home)).length === 0, 15_000, 'every process of the home gone');
	} finally {
		await killProcessesOfHome(home);
	}

	expect(await readJson(path.join(home, 'tasks', 'coder', 'long.json'))).toEqual({prompt: 'hang until the terminal closes'});
	expect(await listDir(path.join(home, 'processing', 'coder'))).toEqual([]);
	expect(fs.readFileSync(path.join(home, 'logs', 'up.log'), 'utf8')).toContain('"reason":"SIGHUP"');
}

test('SIGHUP drains spool up like SIGTERM: no worker is left running in its own session', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '1s'}});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	await expectDrainedAfterHangup(home, () => up.kill('SIGHUP'));
	expect((await up).exitCode).toBe(0);
}, 60_000);

const SCRIPT = ['/usr/bin/script', '/bin/script'].find(file => fs.existsSync(file));

test.skipIf(!SCRIPT)('closing the terminal spool up runs in (a real pty, its master closed) drains it', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '1s'}});
	// script(1) runs `spool up` as the session leader of a new pty; SIGKILL of script closes the master,
	// as a terminal window that is closed does, and the kernel hangs the session up.
	const terminal = execa(SCRIPT!, ['-qfec', `${process.execPath} ${SPOOL_BIN} up`, '/dev/null'], {
		reject: false,
		env: {SPOOL_HOME: home, SPOOL_LOG_LEVEL: 'debug', ...apiEnv(api.url)},
	});
	await expectDrainedAfterHangup(home, () => terminal.kill('SIGKILL'));
	await terminal;
}, 60_000);

test('kill -9 of spool up: its workers and orchestrator notice within seconds and drain themselves', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {drainTimeout: '1s'}});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	await dropTask(home, 'coder', 'long', {prompt: 'hang until up is killed'});
	const workspaces = path.join(home, 'workspaces');
	await waitFor(async () => api.requests.some(request => request.prompt === 'hang until up is killed') && (await processesUnder(workspaces)).length > 0, 30_000, 'claude running');
	up.kill('SIGKILL');
	try {
		// About 1 s to notice, the 1 s drain, then claude's SIGTERM.
		await waitFor(async () => (await processesOfHome(home)).length === 0, 10_000, 'every process of the home gone');
	} finally {
		await killProcessesOfHome(home);
	}

	await up; // Only now: its children held its output pipes open.

	expect(await readJson(path.join(home, 'tasks', 'coder', 'long.json'))).toEqual({prompt: 'hang until up is killed'});
	expect(await listDir(path.join(home, 'processing', 'coder'))).toEqual([]);
	expect(fs.readFileSync(path.join(home, 'logs', 'coder.log'), 'utf8')).toContain('spool up is gone');
}, 60_000);
