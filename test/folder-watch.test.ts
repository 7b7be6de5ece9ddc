import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, describe, expect, test} from 'vitest';
import {watchFolder, type FolderWatcher} from '../src/queue/folder-watch.ts';

let dir: string;
let watcher: FolderWatcher | undefined;

beforeEach(async () => {
	dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-watch-'));
});

afterEach(async () => {
	await watcher?.close();
	await fs.rm(dir, {recursive: true, force: true});
});

/** Resolves with the first change reported after `act`, or undefined after `timeoutMs`. */
function nextChange(usePolling: boolean, act: () => Promise<void>, timeoutMs = 2000): Promise<string | undefined | 'none'> {
	return new Promise(resolve => {
		const timer = setTimeout(() => resolve('none'), timeoutMs);
		watcher = watchFolder(dir, {usePolling, interval: 50}, name => {
			clearTimeout(timer);
			resolve(name);
		}, () => undefined);
		void act();
	});
}

describe.each([false, true])('watchFolder, usePolling %s', usePolling => {
	test('reports a dropped task file', async () => {
		const change = await nextChange(usePolling, () => fs.writeFile(path.join(dir, 'a.json'), '{}'));
		expect(change).toBe(usePolling ? undefined : 'a.json');
	});

	test('reports a file renamed in, as a claim or a drop does', async () => {
		await fs.writeFile(path.join(dir, '.staged'), '{}');
		const change = await nextChange(usePolling, () => fs.rename(path.join(dir, '.staged'), path.join(dir, 'b.json')));
		expect(change).not.toBe('none');
	});

	test('stays quiet while nothing changes, and close() may be called twice', async () => {
		expect(await nextChange(usePolling, async () => undefined, 300)).toBe('none');
		await watcher!.close();
		await watcher!.close();
	});
});
