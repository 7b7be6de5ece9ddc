import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, expect, test} from 'vitest';
import {claimsLeft, dropTask, FAKE_CLAUDE, listDir, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';

// Issue 11, part 2, cases 3 and 4: a results folder that is deleted or read-only never costs a finished
// run, and the same id dropped while another loop runs it keeps both runs' outcomes.
const immutable: string[] = [];

afterEach(async () => {
	for (const dir of immutable.splice(0)) {
		await execa('chattr', ['-i', dir], {reject: false});
	}
});

async function runsOf(logFile: string): Promise<Array<{prompt: string; at: number}>> {
	const text = await fs.readFile(logFile, 'utf8').catch(() => '');
	return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as {prompt: string; at: number});
}

test('results/ deleted while a task runs: the folder is made again and the run that succeeded is written, not re-run', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '1s'}});
	const runs = path.join(home, 'runs.jsonl');
	const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, FAKE_CLAUDE_LOG: runs}});
	try {
		await dropTask(home, 'coder', 'precious', {prompt: 'sleep:1500'});
		await waitFor(async () => (await runsOf(runs)).length === 1, 20_000, 'the run started');
		await fs.rm(path.join(home, 'results'), {recursive: true, force: true});
		const result = await waitFor(() => resultOf(home, 'coder', 'precious'), 20_000, 'the result');
		expect(result).toMatchObject({status: 'succeeded', attempts: 1, result: 'done: sleep:1500'});
		await new Promise(resolve => setTimeout(resolve, 2500));
		expect(await runsOf(runs)).toHaveLength(1);
		expect(await claimsLeft(home, 'coder')).toEqual([]);
	} finally {
		loop.kill('SIGTERM');
		await loop;
	}
}, 60_000);

test('a read-only results/coder: no task starts (none is paid for or dead-lettered); once writable, it runs once', async () => {
	// As root, permission bits do not stop a write, and a read-only bind mount is another filesystem
	// (which spool refuses): the immutable attribute (ext4, as the temp folder here) stops root too.
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '1s'}});
	const results = path.join(home, 'results', 'coder');
	await fs.mkdir(results, {recursive: true});
	await execa('chattr', ['+i', results]);
	immutable.push(results);
	const runs = path.join(home, 'runs.jsonl');
	const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, FAKE_CLAUDE_LOG: runs}});
	let stderr = '';
	loop.stderr?.on('data', chunk => {
		stderr += String(chunk);
	});
	try {
		await dropTask(home, 'coder', 'waits', {prompt: 'hello'});
		await waitFor(() => stderr.includes('results/coder/ cannot be written (EPERM); no task of this worker starts until it can'), 20_000, 'the reason logged');
		await new Promise(resolve => setTimeout(resolve, 2000));
		expect(await runsOf(runs)).toEqual([]);
		// Back in the queue as it was dropped: no attempt counted.
		expect(await readJson(path.join(home, 'tasks', 'coder', 'waits.json'))).toEqual({prompt: 'hello'});
		expect(stderr.match(/no task of this worker starts until it can/g)).toHaveLength(1);

		await execa('chattr', ['-i', results]);
		immutable.pop();
		const result = await waitFor(() => resultOf(home, 'coder', 'waits'), 20_000, 'the result once writable');
		expect(result).toMatchObject({status: 'succeeded', attempts: 1});
		expect(await runsOf(runs)).toHaveLength(1);
	} finally {
		loop.kill('SIGTERM');
		await loop;
	}
}, 60_000);

test('the same id dropped while another loop runs it: the later runs after the first, and both outcomes are kept', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '1s'}});
	const runs = path.join(home, 'runs.jsonl');
	const env = {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, FAKE_CLAUDE_LOG: runs};
	const loops = [spool(home, ['worker', 'coder'], {env}), spool(home, ['worker', 'coder'], {env})];
	try {
		await dropTask(home, 'coder', 'twice', {prompt: 'sleep:2000 first'});
		await waitFor(async () => (await runsOf(runs)).length === 1, 20_000, 'the first run started');
		await dropTask(home, 'coder', 'twice', {prompt: 'second'});
		const second = await waitFor(async () => {
			const result = await resultOf(home, 'coder', 'twice');
			return result?.result === 'done: second' && result;
		}, 30_000, 'the second result');
		expect(second).toMatchObject({status: 'succeeded', attempts: 1});
		expect(second.history).toBeUndefined();
		const archived = (await listDir(path.join(home, 'results', 'coder', '.history'))).filter(name => name.endsWith('.json'));
		expect(archived).toHaveLength(1);
		expect(await readJson(path.join(home, 'results', 'coder', '.history', archived[0]!))).toMatchObject({status: 'succeeded', attempts: 1, result: 'done: sleep:2000 first'});
		await new Promise(resolve => setTimeout(resolve, 2500));
		const all = await runsOf(runs);
		expect(all.map(run => run.prompt)).toEqual(['sleep:2000 first', 'second']);
		expect(all[1]!.at - all[0]!.at).toBeGreaterThanOrEqual(2000);
		expect(await claimsLeft(home, 'coder')).toEqual([]);
	} finally {
		for (const loop of loops) {
			loop.kill('SIGTERM');
		}

		await Promise.all(loops);
	}
}, 60_000);
