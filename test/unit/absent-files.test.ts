import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {entryKindAt, readdirOrEmpty, readRegularFile} from '../../src/queue/read-file.ts';
import {removeFile} from '../../src/queue/remove-file.ts';

/*
 * The file helpers on a task's path look before they touch, so that an absent file costs no thrown
 * Error (docs/benchmarks.md, "The floor a node spawn sets"); what each gives must be what it gave
 * when it threw and caught: the same answer for every kind of entry, absent ones included.
 */
let root: string;

beforeAll(() => {
	root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-absent-')));
	fs.writeFileSync(path.join(root, 'file.json'), '{"a":1}');
	fs.mkdirSync(path.join(root, 'folder'));
	fs.writeFileSync(path.join(root, 'folder', 'inside'), '');
	fs.symlinkSync(path.join(root, 'file.json'), path.join(root, 'link'));
	fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
});

afterAll(() => {
	fs.rmSync(root, {recursive: true, force: true});
});

describe('removeFile, as rmSync(file, {force: true}) was', () => {
	test('an absent file: nothing to do, no error', () => {
		expect(() => removeFile(path.join(root, 'absent'))).not.toThrow();
	});

	test('a path under a file: ENOTDIR, as rmSync throws it', () => {
		expect(() => fs.rmSync(path.join(root, 'file.json', 'below'), {force: true})).toThrow(expect.objectContaining({code: 'ENOTDIR'}));
		expect(() => removeFile(path.join(root, 'file.json', 'below'))).toThrow(expect.objectContaining({code: 'ENOTDIR'}));
	});

	test('a file, a symlink (the link goes, not what it names), a dangling symlink: removed', () => {
		const file = path.join(root, 'gone.json');
		fs.writeFileSync(file, 'x');
		removeFile(file);
		removeFile(path.join(root, 'link'));
		removeFile(path.join(root, 'dangling'));
		expect(fs.existsSync(file)).toBe(false);
		expect(fs.lstatSync(path.join(root, 'link'), {throwIfNoEntry: false})).toBeUndefined();
		expect(fs.lstatSync(path.join(root, 'dangling'), {throwIfNoEntry: false})).toBeUndefined();
		expect(fs.readFileSync(path.join(root, 'file.json'), 'utf8')).toBe('{"a":1}');
		fs.symlinkSync(path.join(root, 'file.json'), path.join(root, 'link'));
		fs.symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
	});

	test('a folder is refused and kept, as rmSync without recursive refuses it', () => {
		expect(() => removeFile(path.join(root, 'folder'))).toThrow();
		expect(() => fs.rmSync(path.join(root, 'folder'), {force: true})).toThrow();
		expect(fs.existsSync(path.join(root, 'folder', 'inside'))).toBe(true);
	});
});

describe('reads that find nothing', () => {
	test.each([
		{entry: 'an absent file', name: 'absent', read: {kind: 'missing'}, kind: undefined},
		{entry: 'a path under a file (ENOTDIR)', name: 'file.json/below', read: {kind: 'missing'}, kind: undefined},
		{entry: 'a regular file', name: 'file.json', read: {kind: 'file', text: '{"a":1}'}, kind: 'file'},
		{entry: 'a symlink to a file', name: 'link', read: {kind: 'not-regular', entry: 'symbolic link'}, kind: 'symbolic link'},
		{entry: 'a dangling symlink', name: 'dangling', read: {kind: 'not-regular', entry: 'symbolic link'}, kind: 'symbolic link'},
		{entry: 'a folder', name: 'folder', read: {kind: 'not-regular', entry: 'directory'}, kind: 'directory'},
	])('readRegularFile and entryKindAt of $entry', ({name, read, kind}) => {
		expect(readRegularFile(path.join(root, name))).toMatchObject(read);
		expect(entryKindAt(path.join(root, name))).toBe(kind);
	});

	test('readdirOrEmpty: an absent folder, a file, and a folder', () => {
		expect(readdirOrEmpty(path.join(root, 'absent'))).toEqual([]);
		expect(readdirOrEmpty(path.join(root, 'file.json'))).toEqual([]);
		expect(readdirOrEmpty(path.join(root, 'folder'))).toEqual(['inside']);
	});
});
