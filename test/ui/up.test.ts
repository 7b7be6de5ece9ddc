import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {FAKE_CLAUDE, makeHome, readJson, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {listeningAddresses} from './dashboard-process.ts';

describe('spool up and the dashboard', () => {
	test('spool up starts the dashboard as one of its children, on spool.yaml\'s ui; spool down stops it', async () => {
		const home = await makeHome({workers: {coder: {}}, extra: {ui: {port: 0}}});
		const up = spool(home, ['up'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			const address = await waitFor(() => readJson<{url: string; port: number; pid: number}>(path.join(home, 'control', 'ui.json')), 20_000, 'the dashboard to listen');
			expect(await listeningAddresses(address.port)).toEqual(['127.0.0.1']);
			const overview = (await (await fetch(`${address.url}api/overview`)).json()) as {workers: Array<{worker: string}>};
			expect(overview.workers.map(worker => worker.worker)).toEqual(['coder']);
			expect((await spool(home, ['down'])).exitCode).toBe(0);
			await up;
			await expect(fs.stat(path.join(home, 'control', 'ui.json'))).rejects.toThrow();
		} finally {
			await killProcessesOfHome(home);
		}
	}, 60_000);

	test('with ui: false it does not', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const up = spool(home, ['up'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await waitFor(async () => (await fs.readdir(path.join(home, 'processing', 'coder')).catch(() => [])).length > 0, 20_000, 'the worker to start');
			await new Promise(resolve => setTimeout(resolve, 1000));
			await expect(fs.stat(path.join(home, 'control', 'ui.json'))).rejects.toThrow();
			expect((await spool(home, ['down'])).exitCode).toBe(0);
			await up;
		} finally {
			await killProcessesOfHome(home);
		}
	}, 60_000);
});
