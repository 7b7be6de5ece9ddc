import path from 'node:path';
import {expect, test} from 'vitest';
import {makeHome, readJson, spool, waitFor} from './helpers/home.ts';

/** `spool health` as the container's HEALTHCHECK runs it: a separate process reading SPOOL_HEALTH_FILE. */
function checkHealth(home: string, file: string) {
	return spool(home, ['health'], {env: {SPOOL_HEALTH_FILE: file}});
}

test('spool health tells a live worker loop from a frozen one, and recovers with it', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '1s'}});
	const file = path.join(home, 'health.json');
	const before = await checkHealth(home, file);
	expect(before.exitCode).toBe(1);
	expect(before.stderr).toContain('has not started');

	const worker = spool(home, ['worker', 'coder'], {env: {SPOOL_HEALTH_FILE: file}});
	try {
		const beacon = (await waitFor(() => readJson(file), 20_000, 'the health beacon')) as Record<string, any>;
		expect(beacon).toMatchObject({pid: worker.pid, process: 'worker coder', maxAgeMs: 1000});
		expect(path.dirname(beacon.heartbeat)).toBe(path.join(home, 'processing', 'coder'));
		const alive = await checkHealth(home, file);
		expect(alive.exitCode).toBe(0);
		expect(alive.stdout).toMatch(/^worker coder: alive \(heartbeat \d+\.\d s old, limit 1\.0 s\)/);

		// A frozen loop: the process lives, but its heartbeat stops.
		worker.kill('SIGSTOP');
		await new Promise(resolve => setTimeout(resolve, 1600));
		const stuck = await checkHealth(home, file);
		expect(stuck.exitCode).toBe(1);
		expect(stuck.stderr).toMatch(/^worker coder: stuck \(heartbeat \d+\.\d s old, limit 1\.0 s\)/);

		worker.kill('SIGCONT');
		await waitFor(async () => (await checkHealth(home, file)).exitCode === 0, 10_000, 'healthy again');
	} finally {
		worker.kill('SIGCONT');
		worker.kill('SIGTERM');
		await worker;
	}

	const gone = await checkHealth(home, file);
	expect(gone.exitCode).toBe(1);
	expect(gone.stderr).toMatch(/is gone/);
}, 60_000);

test('the orchestrator keeps a heartbeat of its own for spool health', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '1s'}});
	const file = path.join(home, 'health.json');
	const orchestrator = spool(home, ['orchestrator'], {env: {SPOOL_HEALTH_FILE: file}});
	try {
		await waitFor(() => readJson(file), 20_000, 'the health beacon');
		await new Promise(resolve => setTimeout(resolve, 1500));
		const alive = await checkHealth(home, file);
		expect(alive.exitCode).toBe(0);
		expect(alive.stdout).toMatch(/^orchestrator: alive/);
	} finally {
		orchestrator.kill('SIGTERM');
		await orchestrator;
	}
}, 30_000);

test('spool health without a health file is a usage error', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const run = await spool(home, ['health'], {env: {SPOOL_HEALTH_FILE: ''}});
	expect(run.exitCode).toBe(2);
	expect(run.stderr).toContain('no health file');
});
