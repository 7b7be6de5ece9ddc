import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, listClaimsIn, listDir, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {processesUnder} from '../helpers/processes.ts';

let api: FakeApi;
let slowFirst = new Set<string>();

beforeAll(async () => {
	// A prompt listed in slowFirst is answered only after 3 s the first time it is seen.
	api = await startFakeApi(async request => {
		if (slowFirst.delete(request.prompt)) {
			await new Promise(resolve => setTimeout(resolve, 3000));
		}

		return {text: `done: ${request.prompt}`};
	});
});

afterAll(async () => {
	await api.close();
});

const QUEUE = {lease: '1s', scanInterval: '200ms'};

async function expectCleanQueue(home: string, worker: string) {
	const processing = path.join(home, 'processing', worker);
	for (const owner of await listDir(processing)) {
		expect(await listClaimsIn(path.join(processing, owner)), `claims left in ${owner}`).toEqual([]);
	}

	for (const dir of [path.join(home, 'tasks', worker), path.join(home, 'results', worker)]) {
		expect((await listDir(dir)).filter(name => name.endsWith('.tmp')), `temp files in ${dir}`).toEqual([]);
	}
}

describe('a worker loop that dies', () => {
	test('kill -9 of a loop and its claude mid-task: another loop re-runs it, one result, attempts 2', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
		slowFirst = new Set(['crash me']);
		const first = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		await dropTask(home, 'coder', 'victim', {prompt: 'crash me'});
		const workspace = path.join(home, 'workspaces');
		const claudes = await waitFor(async () => {
			const pids = await processesUnder(workspace);
			return pids.length > 0 && api.requests.some(request => request.prompt === 'crash me') && pids;
		}, 20_000, 'claude running');
		first.kill('SIGKILL');
		for (const pid of claudes) {
			process.kill(pid, 'SIGKILL');
		}

		await first;
		const second = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			const result = await waitFor(() => resultOf(home, 'coder', 'victim'), 30_000, 'result after recovery');
			expect(result).toMatchObject({status: 'succeeded', attempts: 2, result: 'done: crash me'});
			expect(result.history).toEqual([expect.objectContaining({attempt: 1, error: expect.objectContaining({code: 'worker_lost'})})]);
			expect((await listDir(path.join(home, 'results', 'coder'))).filter(name => name.endsWith('.json'))).toEqual(['victim.json']);
			await expectCleanQueue(home, 'coder');
		} finally {
			second.kill('SIGTERM');
			await second;
		}
	}, 60_000);

	for (const [point, attempts] of [
		['after-claim', 2],
		['after-spawn', 2],
		['after-exit', 2],
		// The result was staged beside the claim and fsynced: the sweep writes it, nothing runs again.
		['after-temp-result', 1],
		['after-rename', 1],
	] as const) {
		test(`a crash ${point.replace('-', ' ')} ends in exactly one result, no stray claim, no temp file`, async () => {
			const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
			await dropTask(home, 'coder', 'step', {prompt: `crash ${point}`});
			const crashing = await spool(home, ['worker', 'coder'], {env: {...apiEnv(api.url), SPOOL_CRASH_AT: point}});
			expect(crashing.signal).toBe('SIGKILL');
			await waitFor(async () => (await processesUnder(path.join(home, 'workspaces'))).length === 0, 10_000, 'claude gone');
			const restarted = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
			try {
				const result = await waitFor(() => resultOf(home, 'coder', 'step'), 30_000, 'result after restart');
				expect(result).toMatchObject({status: 'succeeded', attempts});
				// The sweeps that clean up run on the lease's clock: give them one lease.
				await new Promise(resolve => setTimeout(resolve, 1500));
				await expectCleanQueue(home, 'coder');
				expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);
			} finally {
				restarted.kill('SIGTERM');
				await restarted;
			}
		}, 60_000);
	}
});

test('a started claim is named ID@ATTEMPT.RUNID.json with the bytes as dropped; the same id dropped while it runs waits and runs next', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 2}}, queue: QUEUE});
	slowFirst = new Set(['first run']);
	const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	try {
		const dropped = '{"prompt": "first run",\n  "metadata": {"n": 1}}\n';
		await dropTask(home, 'coder', 'twice', dropped);
		const claim = await waitFor(async () => {
			for (const owner of await listDir(path.join(home, 'processing', 'coder'))) {
				const name = (await listDir(path.join(home, 'processing', 'coder', owner))).find(name => name.startsWith('twice'));
				if (name && api.requests.some(request => request.prompt === 'first run')) {
					return path.join(home, 'processing', 'coder', owner, name);
				}
			}

			return undefined;
		}, 20_000, 'the first run started');
		expect(path.basename(claim)).toMatch(/^twice@1\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.json$/);
		expect(await fs.readFile(claim, 'utf8')).toBe(dropped);

		// The same id again while the first run holds its claim: it must neither replace that claim nor run beside it.
		await dropTask(home, 'coder', 'twice', {prompt: 'second run'});
		const second = await waitFor(async () => {
			const result = await resultOf(home, 'coder', 'twice');
			return result?.result === 'done: second run' && result;
		}, 30_000, 'the second result');
		expect(second).toMatchObject({status: 'succeeded', attempts: 1});
		const history = await listDir(path.join(home, 'results', 'coder', '.history'));
		const earlier = history.filter(name => name.endsWith('.json'));
		expect(earlier).toHaveLength(1);
		expect(await readJson(path.join(home, 'results', 'coder', '.history', earlier[0]!))).toMatchObject({status: 'succeeded', result: 'done: first run', metadata: {n: 1}});
		const firstEnded = api.requests.findIndex(request => request.prompt === 'first run');
		expect(api.requests.findIndex(request => request.prompt === 'second run')).toBeGreaterThan(firstEnded);
		await expectCleanQueue(home, 'coder');
	} finally {
		worker.kill('SIGTERM');
		await worker;
	}
}, 60_000);

test('a loop frozen past its lease while another takes over writes no result when thawed (fencing)', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
	slowFirst = new Set(['freeze me']);
	const frozen = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	await dropTask(home, 'coder', 'fenced', {prompt: 'freeze me'});
	await waitFor(() => api.requests.some(request => request.prompt === 'freeze me'), 20_000, 'first request');
	frozen.kill('SIGSTOP');
	const other = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	try {
		const result = await waitFor(() => resultOf(home, 'coder', 'fenced'), 30_000, 'result by the other loop');
		expect(result).toMatchObject({status: 'succeeded', attempts: 2});
		// The frozen loop's claude got its slow answer meanwhile; thawed, the loop must find its claim gone.
		await new Promise(resolve => setTimeout(resolve, 3500));
		frozen.kill('SIGCONT');
		await new Promise(resolve => setTimeout(resolve, 2000));
		const after = await resultOf(home, 'coder', 'fenced');
		expect(after).toEqual(result);
		expect(await listDir(path.join(home, 'results', 'coder', '.history'))).toEqual([]);
		const log = await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8');
		expect(log).toMatch(/lease lost to another loop|result not written: another loop owns this task now/);
	} finally {
		frozen.kill('SIGCONT');
		frozen.kill('SIGTERM');
		other.kill('SIGTERM');
		await Promise.all([frozen, other]);
	}
}, 60_000);

test('a healthy task running three times the lease is never taken over', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
	slowFirst = new Set(['slow but alive']);
	const loops = [spool(home, ['worker', 'coder'], {env: apiEnv(api.url)}), spool(home, ['worker', 'coder'], {env: apiEnv(api.url)})];
	try {
		await dropTask(home, 'coder', 'healthy', {prompt: 'slow but alive'});
		const result = await waitFor(() => resultOf(home, 'coder', 'healthy'), 30_000, 'result');
		expect(result).toMatchObject({status: 'succeeded', attempts: 1});
		expect(result.durationMs).toBeGreaterThanOrEqual(3000);
		expect(api.requests.filter(request => request.prompt === 'slow but alive')).toHaveLength(1);
	} finally {
		for (const loop of loops) {
			loop.kill('SIGTERM');
		}

		await Promise.all(loops);
	}
}, 60_000);
