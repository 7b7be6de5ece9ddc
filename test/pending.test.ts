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

test('a scan finds the task files in name order and skips dot-names and other files', async () => {
	await touch('b.json', 'a.json', '.a.json.1234.tmp', 'notes.txt', 'c.json');
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
	await touch('a.json', 'b.json', 'c.json');
	const index = new PendingIndex(dir);
	await index.scan();
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
