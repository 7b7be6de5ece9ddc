import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import {PendingIndex} from '../src/queue/pending.ts';

let dir: string;

beforeEach(async () => {
	dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-pending-'));
});

afterEach(async () => {
	await fs.rm(dir, {recursive: true, force: true});
});

async function touch(...names: string[]): Promise<void> {
	for (const name of names) {
		await fs.writeFile(path.join(dir, name), '{}');
	}
}

test('a scan finds the task files and skips dot-names and other files; files dropped in the same clock tick go in name order', async () => {
	await touch('b.json', 'a.json', '.a.json.1234.tmp', 'notes.txt', 'c.json');
	for (const name of ['a.json', 'b.json', 'c.json']) {
		await fs.utimes(path.join(dir, name), 1_700_000_000, 1_700_000_000);
	}

	const index = new PendingIndex(dir);
	await index.scan();
	expect([...index.names()]).toEqual(['a.json', 'b.json', 'c.json']);
});

test('names found later go after the ones already known, and gone files are forgotten', async () => {
	await touch('m.json', 'n.json');
	const index = new PendingIndex(dir, {scanSpacingPerEntry: 0});
	await index.scan();
	await fs.rm(path.join(dir, 'm.json'));
	await touch('a.json');
	index.add('z.json'); // An event for a file that is already gone again: the scan forgets it.
	await index.scan();
	expect([...index.names()]).toEqual(['n.json', 'a.json']);
});

test('names() is live: entries deleted or added while it runs are skipped or seen', async () => {
	await touch('a.json', 'b.json', 'c.json', 'd.json');
	const index = new PendingIndex(dir);
	await index.scan();
	index.delete('d.json');
	const seen: string[] = [];
	for (const name of index.names()) {
		seen.push(name);
		index.delete(name);
		if (name === 'a.json') {
			index.delete('b.json');
			index.add('d.json');
		}
	}

	expect(seen).toEqual(['a.json', 'c.json', 'd.json']);
	expect(index.size).toBe(0);
});

test('scans of a large folder are spaced out', async () => {
	await touch('a.json');
	const index = new PendingIndex(dir, {scanSpacingPerEntry: 60_000});
	await index.scan();
	await touch('b.json');
	await index.scan();
	expect([...index.names()]).toEqual(['a.json']);
});

test('an unparsable file is settled once it stayed unchanged for the grace period', async () => {
	await touch('a.json');
	const index = new PendingIndex(dir);
	await index.scan();
	const stat = {size: 3, mtimeMs: 1000};
	expect(index.isSettled('a.json', stat, 500, 10_000)).toBe(false);
	expect(index.isSettled('a.json', stat, 500, 10_400)).toBe(false);
	expect(index.isSettled('a.json', {size: 4, mtimeMs: 1100}, 500, 10_600)).toBe(false);
	expect(index.isSettled('a.json', {size: 4, mtimeMs: 1100}, 500, 11_100)).toBe(true);
	expect(index.isSettled('gone.json', stat, 0)).toBe(false);
});

test('a scan asked for while one runs is run after it', async () => {
	await touch('a.json');
	const index = new PendingIndex(dir, {scanSpacingPerEntry: 0});
	const first = index.scan();
	const second = index.scan();
	await touch('b.json');
	await Promise.all([first, second]);
	expect([...index.names()]).toEqual(['a.json', 'b.json']);
});

test('a retry due by the monotonic clock is not held longer when the wall clock steps back', async () => {
	const now = Date.parse('2026-12-01T12:00:00Z');
	await fs.writeFile(path.join(dir, 'retry.json'), JSON.stringify({prompt: 'hi', attempts: 1, retryAt: new Date(now + 10_000).toISOString(), history: [{attempt: 1, error: {code: 'timeout', message: ''}, finishedAt: new Date(now).toISOString()}]}));
	const index = new PendingIndex(dir);
	await index.scan();
	expect(index.readiness('retry.json', 0, now, 1000)).toEqual({kind: 'wait', until: now + 10_000});
	// The wall clock is stepped back an hour; 10 s pass on the monotonic clock: the retry is due.
	expect(index.readiness('retry.json', 0, now - 3_600_000 + 5000, 6000)).toEqual({kind: 'wait', until: now - 3_600_000 + 10_000});
	expect(index.readiness('retry.json', 0, now - 3_600_000 + 10_000, 11_000)).toEqual({kind: 'ready'});
});

test('a retry first seen after the clock stepped back waits at most its own backoff', async () => {
	const failedAt = Date.parse('2026-12-01T12:00:00Z');
	await fs.writeFile(path.join(dir, 'retry.json'), JSON.stringify({prompt: 'hi', attempts: 1, retryAt: new Date(failedAt + 10_000).toISOString(), history: [{attempt: 1, error: {code: 'timeout', message: ''}, finishedAt: new Date(failedAt).toISOString()}]}));
	const index = new PendingIndex(dir);
	await index.scan();
	const stepped = failedAt - 3_600_000;
	expect(index.readiness('retry.json', 0, stepped, 0)).toEqual({kind: 'wait', until: stepped + 10_000});
	expect(index.readiness('retry.json', 0, stepped + 10_000, 10_000)).toEqual({kind: 'ready'});
});

test('a FIFO, a symlink or a file past the size limit is ready at once (to be rejected), never opened', async () => {
	const {execa} = await import('execa');
	await execa('mkfifo', [path.join(dir, 'pipe.json')]);
	await fs.symlink('/etc/hostname', path.join(dir, 'link.json'));
	await execa('truncate', ['-s', '11M', path.join(dir, 'big.json')]);
	const index = new PendingIndex(dir);
	await index.scan();
	for (const name of ['pipe.json', 'link.json', 'big.json']) {
		expect(index.readiness(name, 60_000)).toEqual({kind: 'ready'});
	}
});

async function drop(name: string, task: Record<string, unknown>, mtimeS: number): Promise<void> {
	await fs.writeFile(path.join(dir, name), JSON.stringify({prompt: 'x', ...task}));
	await fs.utimes(path.join(dir, name), mtimeS, mtimeS);
}

test('claim order: the highest priority first, and equal priorities in the order they were dropped (mtime), not by name', async () => {
	await drop('a.json', {}, 1_700_000_030);
	await drop('b.json', {priority: -1}, 1_700_000_000);
	await drop('c.json', {}, 1_700_000_010);
	await drop('d.json', {priority: 5}, 1_700_000_040);
	await drop('e.json', {priority: 5}, 1_700_000_020);
	const index = new PendingIndex(dir);
	await index.scan();
	expect([...index.names()]).toEqual(['e.json', 'd.json', 'c.json', 'a.json', 'b.json']);
	// One dropped later with a high priority goes before the whole backlog, by event or by scan.
	await drop('z.json', {priority: 9}, 1_700_000_050);
	index.add('z.json');
	await drop('y.json', {priority: 1}, 1_700_000_060);
	await index.scan();
	expect([...index.names()]).toEqual(['z.json', 'e.json', 'd.json', 'y.json', 'c.json', 'a.json', 'b.json']);
});

test('a task whose priority was edited after it was first seen is placed again when its claim reads it', async () => {
	await drop('a.json', {}, 1_700_000_000);
	await drop('b.json', {}, 1_700_000_010);
	const index = new PendingIndex(dir);
	await index.scan();
	await drop('b.json', {priority: 3}, 1_700_000_010);
	expect(index.readiness('a.json', 0)).toEqual({kind: 'ready'});
	expect(index.readiness('b.json', 0, 1000).kind).toBe('wait');
	expect([...index.names()]).toEqual(['b.json', 'a.json']);
	expect(index.readiness('b.json', 0)).toEqual({kind: 'ready'});
});

test('notBefore holds a task until its time, without reading its file again before then', async () => {
	const now = Date.now();
	await drop('later.json', {notBefore: new Date(now + 60_000).toISOString()}, 1_700_000_000);
	await drop('past.json', {notBefore: new Date(now - 60_000).toISOString()}, 1_700_000_010);
	const index = new PendingIndex(dir);
	await index.scan();
	const first = index.readiness('later.json', 0, now, 0);
	expect(first).toEqual({kind: 'wait', until: now + 60_000});
	expect(index.readiness('past.json', 0, now, 0)).toEqual({kind: 'ready'});
	await fs.rm(path.join(dir, 'later.json'));
	// Still held: the file is not read again before its time (so a deleted one is found only then).
	expect(index.readiness('later.json', 0, now + 30_000, 30_000).kind).toBe('wait');
	expect(index.readiness('later.json', 0, now + 60_001, 60_001)).toEqual({kind: 'gone'});
});

test('a name placed above the priority being walked is the next one yielded', async () => {
	await drop('a.json', {}, 1_700_000_000);
	await drop('b.json', {}, 1_700_000_010);
	await drop('c.json', {}, 1_700_000_020);
	const index = new PendingIndex(dir);
	await index.scan();
	const seen: string[] = [];
	for (const name of index.names()) {
		seen.push(name);
		index.delete(name);
		if (name === 'a.json') {
			await drop('urgent.json', {priority: 1}, 1_700_000_030);
			index.add('urgent.json');
		}
	}

	expect(seen).toEqual(['a.json', 'urgent.json', 'b.json', 'c.json']);
});

test('a task larger than the first read still gets its priority, wherever the field lies', async () => {
	await drop('small.json', {}, 1_700_000_000);
	await drop('big.json', {prompt: 'x'.repeat(40_000), priority: 10}, 1_700_000_010);
	const index = new PendingIndex(dir);
	await index.scan();
	expect([...index.names()]).toEqual(['big.json', 'small.json']);
});
