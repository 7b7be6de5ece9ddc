import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, expect, test} from 'vitest';
import type {LedgerEntry} from '../../src/ledger/entry.ts';
import {ledgerEntry} from '../helpers/ledger.ts';
import {readLedgerFile} from '../../src/ledger/read-ledger.ts';

function line(n: number): string {
	const entry = ledgerEntry({time: new Date(n).toISOString(), task: `t${n}`, costUsd: 0.01, usage: {input_tokens: n}, model: 'm'.repeat(150)});
	return `${JSON.stringify(entry)}\n`;
}

function readAll(file: string) {
	const tasks: string[] = [];
	const read = readLedgerFile(file, (entry: LedgerEntry) => tasks.push(entry.task));
	return {...read, tasks};
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-ledger-read-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

test('a file larger than one read: every line once, in order, none cut at a piece\'s end', () => {
	const file = path.join(dir, 'big.jsonl');
	const count = 16_000; // About 6 MB: a line straddles the 4 MB piece.
	fs.writeFileSync(file, Array.from({length: count}, (_, n) => line(n)).join(''));
	expect(fs.statSync(file).size).toBeGreaterThan(4 * 1024 * 1024);
	const read = readAll(file);
	expect(read).toMatchObject({lines: count, badLines: 0});
	expect(read.tasks).toEqual(Array.from({length: count}, (_, n) => `t${n}`));
});

test('a half line at the end is being written: not read, not counted; a line of garbage is counted', () => {
	const file = path.join(dir, 'half.jsonl');
	fs.writeFileSync(file, `${line(1)}garbage\n\n${line(2)}${line(3).slice(0, 40)}`);
	expect(readAll(file)).toMatchObject({lines: 2, badLines: 1, tasks: ['t1', 't2']});
});

test('a line longer than a whole piece is one bad line, and the lines after it are read', () => {
	const file = path.join(dir, 'long.jsonl');
	fs.writeFileSync(file, `${line(1)}${'x'.repeat(5 * 1024 * 1024)}\n${line(2)}`);
	expect(readAll(file)).toMatchObject({lines: 2, badLines: 1, tasks: ['t1', 't2']});
});

test('a missing file is a day without runs', () => {
	expect(readAll(path.join(dir, 'none.jsonl'))).toEqual({lines: 0, badLines: 0, offset: 0, tasks: []});
});
