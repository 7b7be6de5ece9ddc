import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {PendingIndex} from '../../src/queue/pending.ts';
import {entryKindAt, readdirOrEmpty, readRegularFile} from '../../src/queue/read-file.ts';
import {isAbsent} from '../../src/queue/task-peek.ts';

/*
 * The reads on a task's path look before they open, so that an absent file costs no thrown Error
 * (docs/benchmarks.md, "The floor a node spawn sets"). What each gives must be what it gave when it
 * threw and caught: the same answer for every kind of entry, absent ones included.
 */
let root: string;

beforeAll(() => {
	root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-absent-')));
	fs.writeFileSync(path.join(root, 'file.json'), '{"a":1}');
	fs.mkdirSync(path.join(root, 'folder'));
	fs.writeFileSync(path.join(root, 'folder', 'inside'), '');
	fs.symlinkSync(path.join(root, 'file.json'), path.join(root, 'link'));
	fs.symlinkSync(path.join(root, 'folder'), path.join(root, 'folder-link'));
	fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
	execFileSync('mkfifo', [path.join(root, 'fifo')]);
});

afterAll(() => {
	fs.rmSync(root, {recursive: true, force: true});
});

describe('reads that may find nothing', () => {
	test.each([
		{entry: 'an absent file', name: 'absent', read: {kind: 'missing'}, kind: undefined, absent: true},
		{entry: 'a path under a file (ENOTDIR)', name: 'file.json/below', read: {kind: 'missing'}, kind: undefined, absent: false},
		{entry: 'a regular file', name: 'file.json', read: {kind: 'file', text: '{"a":1}'}, kind: 'file', absent: false},
		{entry: 'a symlink to a file', name: 'link', read: {kind: 'not-regular', entry: 'symbolic link'}, kind: 'symbolic link', absent: false},
		{entry: 'a symlink to a folder', name: 'folder-link', read: {kind: 'not-regular', entry: 'symbolic link'}, kind: 'symbolic link', absent: false},
		{entry: 'a dangling symlink', name: 'dangling', read: {kind: 'not-regular', entry: 'symbolic link'}, kind: 'symbolic link', absent: false},
		{entry: 'a folder', name: 'folder', read: {kind: 'not-regular', entry: 'directory'}, kind: 'directory', absent: false},
		{entry: 'a FIFO (never opened)', name: 'fifo', read: {kind: 'not-regular', entry: 'FIFO'}, kind: 'FIFO', absent: false},
	])('readRegularFile, entryKindAt and isAbsent of $entry', ({name, read, kind, absent}) => {
		expect(readRegularFile(path.join(root, name))).toMatchObject(read);
		expect(entryKindAt(path.join(root, name))).toBe(kind);
		// Only a true ENOENT is absent: anything else is left for the peek to place and the claim to judge.
		expect(isAbsent(root, name)).toBe(absent);
	});

	test('readdirOrEmpty: an absent folder, a file, a folder, and a symlink to one', () => {
		expect(readdirOrEmpty(path.join(root, 'absent'))).toEqual([]);
		expect(readdirOrEmpty(path.join(root, 'file.json'))).toEqual([]);
		expect(readdirOrEmpty(path.join(root, 'folder'))).toEqual(['inside']);
		expect(readdirOrEmpty(path.join(root, 'folder-link'))).toEqual(['inside']);
	});
});

describe("the pending index's watch events", () => {
	test('a name gone before its event is not placed; one there is, a symlink too (its claim rejects it); a name dropped again after it went is placed again', async () => {
		const dir = fs.mkdtempSync(path.join(root, 'tasks-'));
		const index = new PendingIndex(dir);
		await index.scan();
		index.add('gone.json');
		fs.writeFileSync(path.join(dir, 'here.json'), '{"prompt":"x"}');
		index.add('here.json');
		fs.symlinkSync(path.join(root, 'file.json'), path.join(dir, 'linked.json'));
		index.add('linked.json');
		expect([...index.names()].sort()).toEqual(['here.json', 'linked.json']);

		// Claimed (moved away), then its late event: nothing placed. Dropped again: placed.
		fs.renameSync(path.join(dir, 'here.json'), path.join(root, 'claimed.json'));
		index.delete('here.json');
		index.add('here.json');
		expect([...index.names()]).toEqual(['linked.json']);
		fs.writeFileSync(path.join(dir, 'here.json'), '{"prompt":"again"}');
		index.add('here.json');
		expect([...index.names()].sort()).toEqual(['here.json', 'linked.json']);
	});
});
