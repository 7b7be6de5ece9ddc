import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, expect, test} from 'vitest';
import {dropTask, FAKE_CLAUDE, listDir, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

const mounts: string[] = [];

afterEach(async () => {
	for (const mount of mounts.splice(0)) {
		await execa('umount', ['-l', mount], {reject: false});
	}
});

test('a result that cannot be written (a full disk) is kept and written once there is room: the paid run is not repeated', async () => {
	// A real full filesystem: the whole spool home on a 4 MiB tmpfs, filled up mid-task. (Needs root, as CI has.)
	const template = await makeHome({workers: {coder: {}}, queue: {lease: '1s', scanInterval: '200ms'}});
	const home = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-full-'));
	await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', home]);
	mounts.push(home);
	await fs.cp(template, home, {recursive: true});
	const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
	let stderr = '';
	loop.stderr?.on('data', chunk => {
		stderr += String(chunk);
	});
	try {
		await dropTask(home, 'coder', 'precious', {prompt: 'sleep:1500'});
		await waitFor(async () => (await listDir(path.join(home, 'workspaces', 'coder'))).includes('precious'), 20_000, 'the task running');
		await execa('sh', ['-c', `head -c 8388608 /dev/zero > ${home}/filler`], {reject: false});
		await waitFor(() => stderr.includes('ENOSPC'), 20_000, 'ENOSPC reported');
		await new Promise(resolve => setTimeout(resolve, 1500));
		expect(await resultOf(home, 'coder', 'precious')).toBeUndefined();
		const owners = await listDir(path.join(home, 'processing', 'coder'));
		const inFlight = (await Promise.all(owners.map(owner => listDir(path.join(home, 'processing', 'coder', owner))))).flat();
		// Still claimed by the loop that ran it (precious@1.RUNID.json, its lease renewed), the result kept in memory.
		expect(inFlight.filter(name => /^precious@1\.[0-9a-f-]{36}\.json$/.test(name))).toHaveLength(1);
		expect(stderr).toContain('the result cannot be written yet (ENOSPC)');
		expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);

		await fs.rm(path.join(home, 'filler'));
		const result = await waitFor(() => resultOf(home, 'coder', 'precious'), 30_000, 'result once there is room');
		expect(result).toMatchObject({status: 'succeeded', attempts: 1});
	} finally {
		loop.kill('SIGTERM');
		await loop;
	}
}, 60_000);

test('spool refuses to start when tasks/ and processing/ lie on different filesystems (EXDEV)', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const elsewhere = await fs.mkdtemp(path.join('/dev/shm', 'spool-exdev-'));
	await fs.mkdir(path.join(home, 'tasks'), {recursive: true});
	await fs.symlink(elsewhere, path.join(home, 'tasks', 'coder'));
	expect((await fs.stat(elsewhere)).dev).not.toBe((await fs.stat(os.tmpdir())).dev);
	const run = await spool(home, ['worker', 'coder']);
	expect(run.exitCode).toBe(1);
	expect(run.stderr).toMatch(/tasks\/coder\/ and processing\/coder\/.* lie on different filesystems, so claims by rename cannot be atomic/);
	await fs.rm(elsewhere, {recursive: true});
});
