import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, test} from 'vitest';
import {dropTask, FAKE_CLAUDE, makeHome, readJson, resultOf, spool, waitFor} from './helpers/home.ts';

/** What Dockerfile.worker sets: spool starts as root and drops to the data root's owner. */
const CONTAINER_ENV = {SPOOL_DROP_PRIVILEGES: '1', SPOOL_CLAUDE_BIN: FAKE_CLAUDE};
const SPOOL_FOLDERS = ['tasks', 'processing', 'results', 'rejected', 'workspaces', 'logs', 'auth-homes', 'paused', 'control', 'goals', 'workflows'];

async function uidOf(pid: number | undefined): Promise<number> {
	const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
	return Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
}

/** Every file and folder under the spool folders of `home`, with its owner. */
async function owners(home: string): Promise<Map<string, number>> {
	const found = new Map<string, number>();
	const visit = async (entry: string): Promise<void> => {
		const stat = await fs.lstat(entry).catch(() => undefined);
		if (!stat) {
			return;
		}

		found.set(path.relative(home, entry), stat.uid);
		if (stat.isDirectory()) {
			await Promise.all((await fs.readdir(entry)).map(async name => visit(path.join(entry, name))));
		}
	};

	await Promise.all(SPOOL_FOLDERS.map(async name => visit(path.join(home, name))));
	return found;
}

// Dropping privileges needs root, as in a container; CI and the container test run as root.
describe.skipIf(process.getuid?.() !== 0)('a container\'s spool starts as root and drops it', () => {
	test('it adopts the data root\'s owner, runs a task root dropped, and leaves nothing that owner cannot delete', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await fs.chown(home, 1234, 1234);
		// Root-owned credentials, as Docker or a sudo left them: handed over to the worker.
		await fs.mkdir(path.join(home, 'auth-homes', 'coder'), {recursive: true});
		await fs.writeFile(path.join(home, 'auth-homes', 'coder', 'settings.json'), '{}', {mode: 0o600});
		const worker = spool(home, ['worker', 'coder'], {env: CONTAINER_ENV});
		try {
			await dropTask(home, 'coder', 'from-root', {prompt: 'dropped by root'});
			const result = await waitFor(() => resultOf(home, 'coder', 'from-root'), 20_000, 'the result');
			expect(result).toMatchObject({status: 'succeeded', result: 'done: dropped by root', attempts: 1});
			expect(await uidOf(worker.pid)).toBe(1234);
		} finally {
			worker.kill('SIGTERM');
			await worker;
		}

		const log = (await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8')).split('\n')[0]!;
		expect(JSON.parse(log)).toMatchObject({uid: 1234, gid: 1234, from: 'data root owner'});
		const notOwned = [...(await owners(home))].filter(([, uid]) => uid !== 1234);
		expect(notOwned).toEqual([]);
		const removed = await execa('setpriv', ['--reuid=1234', '--regid=1234', '--clear-groups', 'rm', '-rf', ...SPOOL_FOLDERS], {cwd: home, reject: false});
		expect(removed.stderr).toBe('');
		expect(removed.exitCode).toBe(0);
	}, 40_000);

	test.each<{env: Record<string, string>; uid: number; gid: number; from: string}>([
		{env: {}, uid: 1000, gid: 1000, from: 'image user'},
		{env: {PUID: '4321', PGID: '4322'}, uid: 4321, gid: 4322, from: 'PUID'},
	])('a data root owned by root: it runs as $uid ($from), never as root', async ({env, uid, gid, from}) => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}}});
		await fs.chmod(home, 0o755); // A clone's mode; mkdtemp's 0700 would lock every other uid out.
		const file = path.join(os.tmpdir(), `spool-health-${path.basename(home)}.json`); // /tmp, as in the image
		const worker = spool(home, ['worker', 'coder'], {env: {...CONTAINER_ENV, ...env, SPOOL_HEALTH_FILE: file}});
		try {
			await waitFor(() => readJson(file), 20_000, 'the worker to start');
			expect(await uidOf(worker.pid)).toBe(uid);
			for (const folder of ['tasks/reviewer', 'processing/coder', 'results/reviewer', 'workspaces/coder', 'rejected/coder', 'logs/planner', 'auth-homes/coder', 'paused', 'control', 'goals', 'results/workflows']) {
				const stat = await fs.stat(path.join(home, folder));
				expect([folder, stat.uid, stat.gid]).toEqual([folder, uid, gid]);
			}

			// Only this worker's own auth home: another's is not this container's business.
			await expect(fs.stat(path.join(home, 'auth-homes', 'reviewer'))).rejects.toThrow();
		} finally {
			worker.kill('SIGTERM');
			await worker;
			await fs.rm(file, {force: true});
		}

		const log = JSON.parse((await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8')).split('\n')[0]!);
		expect(log).toMatchObject({uid, gid, from});
	}, 40_000);

	test('the orchestrator drops root too, and hands over its planner\'s auth home', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await fs.chown(home, 1234, 1234);
		await fs.mkdir(path.join(home, 'auth-homes', 'orchestrator'), {recursive: true});
		await fs.writeFile(path.join(home, 'auth-homes', 'orchestrator', 'settings.json'), '{}', {mode: 0o600});
		const file = path.join(os.tmpdir(), `spool-health-${path.basename(home)}.json`);
		const orchestrator = spool(home, ['orchestrator'], {env: {...CONTAINER_ENV, SPOOL_HEALTH_FILE: file}});
		try {
			await waitFor(() => readJson(file), 20_000, 'the orchestrator to start');
			expect(await uidOf(orchestrator.pid)).toBe(1234);
		} finally {
			orchestrator.kill('SIGTERM');
			expect((await orchestrator).exitCode).toBe(0);
			await fs.rm(file, {force: true});
		}

		const notOwned = [...(await owners(home))].filter(([, uid]) => uid !== 1234);
		expect(notOwned).toEqual([]);
	}, 40_000);

	test('a data root its uid cannot read is a clear error', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const run = await spool(home, ['worker', 'coder'], {env: CONTAINER_ENV});
		expect(run.exitCode).toBe(1);
		expect(run.stderr).toContain(`spool.yaml cannot be read as uid 1000 (image user): make the data root readable for it, or set PUID/PGID to its owner`);
	});

	test('a PUID that is no uid is a clear error', async () => {
		const home = await makeHome({workers: {coder: {}}});
		for (const [name, value] of [['PUID', 'alice'], ['PUID', '0'], ['PGID', '-5']]) {
			const run = await spool(home, ['worker', 'coder'], {env: {...CONTAINER_ENV, PUID: '1000', [name!]: value!}});
			expect(run.exitCode).toBe(1);
			expect(run.stderr).toContain(`${name}=${JSON.stringify(value)}: expected the number of a non-root`);
		}
	});
});
