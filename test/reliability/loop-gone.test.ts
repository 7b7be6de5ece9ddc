import fs from 'node:fs';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, listClaimsIn, listDir, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome, processesUnder} from '../helpers/processes.ts';

let api: FakeApi;
const slowFirst = new Set<string>();

beforeAll(async () => {
	// A prompt in slowFirst is answered only after 60 s the first time: its first run lasts until it is killed.
	api = await startFakeApi(async request => {
		if (slowFirst.delete(request.prompt)) {
			await new Promise(resolve => setTimeout(resolve, 60_000));
		}

		return {text: `done: ${request.prompt}`};
	});
});

afterAll(async () => {
	await api.close();
});

test('kill -9 of a loop mid-task: a loop already running takes the task back within seconds, not a 60 s lease later', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '60s'}});
	slowFirst.add('outlive my loop');
	const doomed = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	const survivor = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	try {
		await waitFor(async () => (await listDir(path.join(home, 'processing', 'coder'))).length === 2, 20_000, 'both loops started');
		await dropTask(home, 'coder', 'victim', {prompt: 'outlive my loop'});
		const claudes = await waitFor(async () => {
			const pids = await processesUnder(path.join(home, 'workspaces'));
			return pids.length > 0 && api.requests.some(request => request.prompt === 'outlive my loop') && pids;
		}, 20_000, 'claude running');
		// Whichever loop claimed it dies, and its claude with it.
		const owner = fs.readdirSync(path.join(home, 'processing', 'coder')).find(owner => fs.readdirSync(path.join(home, 'processing', 'coder', owner)).some(name => name.startsWith('victim')))!;
		const [loser, winner] = owner.includes(`-${doomed.pid}-`) ? [doomed, survivor] : [survivor, doomed];
		loser.kill('SIGKILL');
		for (const pid of claudes) {
			process.kill(pid, 'SIGKILL');
		}

		const killedAt = Date.now();
		const result = await waitFor(() => resultOf(home, 'coder', 'victim'), 20_000, 'the result by the other loop');
		expect(Date.now() - killedAt).toBeLessThan(15_000);
		expect(result).toMatchObject({status: 'succeeded', attempts: 2, owner: expect.stringContaining(`-${winner.pid}-`)});
		expect(result.history).toEqual([expect.objectContaining({attempt: 1, error: expect.objectContaining({code: 'worker_lost'})})]);
		// The dead loop's folder went with its claims, its owner file first.
		expect(fs.existsSync(path.join(home, 'processing', 'coder', owner))).toBe(false);
		expect(fs.readFileSync(path.join(home, 'logs', 'coder.log'), 'utf8')).toContain('its loop is gone: task handed back to the queue');
	} finally {
		await killProcessesOfHome(home);
		await Promise.all([doomed, survivor]);
	}
}, 60_000);

/** A claims folder as a loop leaves it, holding one claim `ID.json` (fresh: its lease has just begun) and this owner file. */
function plantLoop(home: string, owner: string, id: string, record: unknown): string {
	const dir = path.join(home, 'processing', 'coder', owner);
	fs.mkdirSync(dir, {recursive: true});
	fs.writeFileSync(path.join(dir, '.owner.json'), typeof record === 'string' ? record : JSON.stringify(record));
	fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify({prompt: `planted ${id}`}));
	return path.join(dir, `${id}.json`);
}

test('only an owner file of this machine and pid namespace proves a loop gone; any other claim waits for its lease', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 3}}, queue: {lease: '5s'}});
	const freePid = execa('true');
	await freePid;
	const sleeper = execa('sleep', ['60'], {reject: false});
	const statOf = (pid: number | string) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
	const self = {
		version: 1,
		host: 'a-host',
		bootId: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
		pidNamespace: fs.statSync('/proc/self/ns/pid').ino,
		startedAt: new Date().toISOString(),
	};
	const proofs = {
		dead: plantLoop(home, 'dead-1-aaaaaa', 'dead', {...self, pid: freePid.pid, startTime: 1}),
		reused: plantLoop(home, 'reused-1-bbbbbb', 'reused', {...self, pid: process.pid, startTime: Number(statOf('self')[19]) + 1}),
	};
	const noProofs = {
		container: plantLoop(home, 'container-1-cccccc', 'container', {...self, pidNamespace: self.pidNamespace + 1, pid: freePid.pid, startTime: 1}),
		rebooted: plantLoop(home, 'rebooted-1-dddddd', 'rebooted', {...self, bootId: '00000000-0000-4000-8000-000000000000', pid: freePid.pid, startTime: 1}),
		alive: plantLoop(home, 'alive-1-eeeeee', 'alive', {...self, pid: sleeper.pid, startTime: Number(statOf(sleeper.pid!)[19])}),
		garbled: plantLoop(home, 'garbled-1-ffffff', 'garbled', '{"version": 1, "pid": '),
		future: plantLoop(home, 'future-1-abcdef', 'future', {...self, version: 2, pid: freePid.pid, startTime: 1}),
	};
	const plantedAt = Date.now();
	const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	try {
		await waitFor(() => Object.values(proofs).every(file => !fs.existsSync(file)), 3000, 'the claims of the proven-gone loops taken back');
		expect(Date.now() - plantedAt).toBeLessThan(4000);
		for (const [name, file] of Object.entries(noProofs)) {
			expect(fs.existsSync(file), `${name} claim still in place`).toBe(true);
		}

		for (const id of ['dead', 'reused']) {
			expect(await waitFor(() => resultOf(home, 'coder', id), 20_000, id)).toMatchObject({status: 'succeeded', result: `done: planted ${id}`});
		}

		// The others wait out their lease (5 s from planting) and are then run too.
		for (const id of Object.keys(noProofs)) {
			expect(await waitFor(() => resultOf(home, 'coder', id), 30_000, id)).toMatchObject({status: 'succeeded'});
		}

		expect(Date.now() - plantedAt).toBeGreaterThan(5000);
		for (const [name, file] of Object.entries({...proofs, ...noProofs})) {
			expect(await listClaimsIn(path.dirname(file)), name).toEqual([]);
		}

		expect(await readJson(path.join(home, 'results', 'coder', 'dead.json'))).toMatchObject({attempts: 1});
	} finally {
		sleeper.kill('SIGKILL');
		worker.kill('SIGTERM');
		await Promise.all([worker, sleeper]);
	}
}, 90_000);

test('spool status counts a loop killed with kill -9 as gone at once, not a lease later', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '60s'}});
	const loops = [spool(home, ['worker', 'coder']), spool(home, ['worker', 'coder'])];
	const loopsShown = async () => /^coder\s+(\d+)\s/m.exec((await spool(home, ['status'])).stdout)?.[1];
	try {
		await waitFor(async () => (await loopsShown()) === '2', 20_000, 'two loops shown');
		loops[0]!.kill('SIGKILL');
		await loops[0];
		expect(await loopsShown()).toBe('1');
	} finally {
		loops[1]!.kill('SIGTERM');
		await loops[1];
	}

	expect(await loopsShown()).toBe('0');
}, 60_000);
