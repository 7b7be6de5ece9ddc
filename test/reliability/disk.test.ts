import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, expect, test} from 'vitest';
import {LogFile} from '../../src/log/log-file.ts';
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

test('a full disk does not take the worker down through its log file; logging resumes and every task ends with one result', async () => {
	// pino's file stream threw an unhandled ENOSPC, and its exit handler then retried the write forever:
	// a loop that neither worked nor exited, its claims held until someone restarted it.
	const template = await makeHome({workers: {coder: {concurrency: 2}}, queue: {lease: '1s', scanInterval: '200ms', maxAttempts: 50, retryBackoff: '100ms', retryBackoffMax: '300ms'}});
	const home = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-full-'));
	await execa('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', home]);
	mounts.push(home);
	await fs.cp(template, home, {recursive: true});
	const ids = Array.from({length: 12}, (_, n) => `task-${n}`);
	for (const id of ids) {
		await dropTask(home, 'coder', id, {prompt: 'sleep:300'});
	}

	const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
	let exited: string | undefined;
	void loop.then(result => {
		exited = `exit code ${result.exitCode}, signal ${result.signal}`;
	});
	let stderr = '';
	loop.stderr?.on('data', chunk => {
		stderr += String(chunk);
	});
	try {
		await waitFor(async () => (await listDir(path.join(home, 'workspaces', 'coder'))).length > 0, 20_000, 'a task running');
		await execa('sh', ['-c', `head -c 8388608 /dev/zero > ${home}/filler`], {reject: false});
		// The loop keeps the results it cannot write and logs each try, until the log file fails too.
		await waitFor(() => exited ?? stderr.includes('spool: cannot write the log file'), 30_000, 'the log file failing');
		await new Promise(resolve => setTimeout(resolve, 1000));
		expect(exited).toBeUndefined();
		await fs.rm(path.join(home, 'filler'));
		await waitFor(async () => exited ?? (await Promise.all(ids.map(id => resultOf(home, 'coder', id)))).every(Boolean), 40_000, 'every result once there is room');
		expect(exited).toBeUndefined();
		for (const id of ids) {
			expect(await resultOf(home, 'coder', id)).toMatchObject({status: 'succeeded'});
		}

		const logFile = path.join(home, 'logs', 'coder.log');
		expect(stderr.match(/spool: cannot write the log file .*/g)).toEqual([`spool: cannot write the log file ${logFile} (ENOSPC: no space left on device, write); keeping up to 1024 KiB of log lines in memory, dropping the rest, and trying again every 1000 ms`]);
		await waitFor(() => stderr.includes(`spool: writing the log file ${logFile} again`), 20_000, 'logging resumed');
	} finally {
		loop.kill('SIGTERM');
		await loop;
	}

	// One result per task, none run twice to a result, none left behind.
	expect(await listDir(path.join(home, 'results', 'coder', '.history'))).toEqual([]);
	expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);
	expect(await listDir(path.join(home, 'processing', 'coder'))).toEqual([]);
	const log = await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8');
	expect(log).toContain('"msg":"worker loop stopped"');
	expect(log.split('\n').filter(Boolean).every(line => JSON.parse(line).level > 0)).toBe(true);
}, 90_000);

test('the log file keeps lines while the disk is full, drops those past its backlog, and counts them once it writes again', async () => {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-log-full-'));
	await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
	mounts.push(dir);
	const file = path.join(dir, 'coder.log');
	const warnings: string[] = [];
	const log = new LogFile(file, {name: 'coder', backlogBytes: 1000, retryMs: 60_000, warn: text => warnings.push(text)});
	const lines = Array.from({length: 50}, (_, n) => `{"msg":"line ${String(n).padStart(2, '0')}","pad":"${'x'.repeat(70)}"}\n`);
	try {
		// All but 3 bytes of a page (tmpfs fills a page it has begun even on a full disk): the first line
		// after the disk fills is written in part, and the rest of it waits with the others.
		log.write(`{"msg":"before","pad":"${'x'.repeat(4096 - 29)}"}\n`);
		await execa('sh', ['-c', `head -c 2097152 /dev/zero > ${dir}/filler`], {reject: false});
		for (const line of lines) {
			log.write(line);
		}

		expect(warnings).toEqual([`spool: cannot write the log file ${file} (ENOSPC: no space left on device, write); keeping up to 1 KiB of log lines in memory, dropping the rest, and trying again every 60000 ms\n`]);
		log.flushSync();
		expect(warnings).toHaveLength(1); // Still full: still failing, said once.
		await fs.rm(path.join(dir, 'filler'));
		log.flushSync();
		log.write('{"msg":"after"}\n');
	} finally {
		log.close();
	}

	const kept = Math.floor(1000 / lines[0]!.length);
	expect(warnings[1]).toBe(`spool: writing the log file ${file} again; ${50 - kept} lines were dropped meanwhile\n`);
	const written = (await fs.readFile(file, 'utf8')).split('\n').filter(Boolean).map(line => JSON.parse(line));
	expect(written.map(line => line.msg)).toEqual([
		'before',
		...Array.from({length: kept}, (_, n) => `line ${String(n).padStart(2, '0')}`),
		'log lines were dropped while the log file could not be written',
		'after',
	]);
	expect(written.at(-2)).toMatchObject({level: 40, name: 'coder', dropped: 50 - kept});
});

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
