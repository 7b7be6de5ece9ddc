import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {dayOf} from '../../src/ledger/day.ts';
import {parseReport} from '../../src/report/record.ts';
import {listDir, makeHome, readJson, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {writeResult} from '../helpers/results.ts';

type Event = {version: number; type: string; time: string; message: string; date?: string; file?: string; trigger?: string};

async function readEvents(home: string, date: string): Promise<Event[]> {
	const text = await fs.readFile(path.join(home, 'events', `${date}.jsonl`), 'utf8').catch(() => '');
	return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as Event);
}

const exists = (file: string) => fs.stat(file).then(() => true, () => false);

describe('the report writes itself', () => {
	// report.at "00:00" has passed at any time of day: the first scan finds the report due.
	test('at report.at the orchestrator writes the day\'s report once and tells it with report_ready; restarted, it does not write it again', async () => {
		const home = await makeHome({workers: {coder: {}}, extra: {budget: {timezone: 'UTC'}, report: {at: '00:00'}}});
		const today = dayOf(Date.now(), 'UTC');
		await writeResult(home, 'coder', 'done');
		const markdown = path.join(home, 'reports', `${today}.md`);
		const first = spool(home, ['orchestrator']);
		try {
			await waitFor(() => exists(markdown), 20_000, 'the scheduled report');
			const report = parseReport(await readJson(path.join(home, 'reports', `${today}.json`)));
			expect(report).toMatchObject({date: today, trigger: 'schedule', summary: {tasks: {total: 1, states: {succeeded: 1}}}});
			expect(await fs.readFile(markdown, 'utf8')).toContain('by the orchestrator at report.at');
			const events = await waitFor(async () => {
				const found = (await readEvents(home, today)).filter(event => event.type === 'report_ready');
				return found.length > 0 && found;
			}, 10_000, 'report_ready');
			expect(events).toEqual([{version: 1, type: 'report_ready', time: expect.any(String), message: `the report of ${today} is in reports/${today}.md: 1 task, $0.0000 spent`, date: today, file: `reports/${today}.md`, json: `reports/${today}.json`, trigger: 'schedule'}]);
			expect(await listDir(path.join(home, 'events', '.once'))).toEqual([`report-${today}.json`]);
		} finally {
			first.kill('SIGTERM');
			await first;
		}

		// Restarted the same day: the once-mark says it was written, so it is not, though the file is gone.
		await fs.rm(markdown);
		const second = spool(home, ['orchestrator']);
		try {
			await waitFor(() => exists(path.join(home, 'control', 'orchestrator.json')), 20_000, 'the second orchestrator');
			await new Promise(resolve => setTimeout(resolve, 1500)); // Several scans (queue.scanInterval 200ms).
			expect(await exists(markdown)).toBe(false);
			expect((await readEvents(home, today)).filter(event => event.type === 'report_ready')).toHaveLength(1);
		} finally {
			second.kill('SIGTERM');
			await second;
		}

		// A manual report may always be written again; it tells no one.
		expect((await spool(home, ['report'])).exitCode).toBe(0);
		expect(await exists(markdown)).toBe(true);
		expect((await readEvents(home, today)).filter(event => event.type === 'report_ready')).toHaveLength(1);
	}, 60_000);

	test('report.at null: the orchestrator writes none', async () => {
		const home = await makeHome({workers: {coder: {}}, extra: {budget: {timezone: 'UTC'}, report: {at: null}}});
		const orchestrator = spool(home, ['orchestrator']);
		try {
			await waitFor(() => exists(path.join(home, 'control', 'orchestrator.json')), 20_000, 'the orchestrator');
			await new Promise(resolve => setTimeout(resolve, 1000));
			expect(await exists(path.join(home, 'reports'))).toBe(false);
		} finally {
			orchestrator.kill('SIGTERM');
			await orchestrator;
		}
	}, 30_000);

	test('spool down writes the day\'s report as it stops the home, and tells it', async () => {
		// 23:59 is not reached in a zone whose clock reads about noon now: only spool down writes.
		const zone = noonZone();
		const home = await makeHome({workers: {coder: {}}, extra: {budget: {timezone: zone}, report: {at: '23:59'}}});
		const today = dayOf(Date.now(), zone);
		await writeResult(home, 'coder', 'done');
		const worker = spool(home, ['worker', 'coder']);
		try {
			await waitFor(async () => (await listDir(path.join(home, 'processing', 'coder'))).length > 0, 20_000, 'the worker loop');
			const down = await spool(home, ['down']);
			expect(down.exitCode).toBe(0);
			expect(down.stdout).toContain(`the day's report: ${path.join(home, 'reports', `${today}.md`)}`);
			expect((await worker).exitCode).toBe(0);
			const report = parseReport(await readJson(path.join(home, 'reports', `${today}.json`)));
			expect(report).toMatchObject({trigger: 'down', summary: {tasks: {total: 1}}, running: []});
			expect(await fs.readFile(path.join(home, 'reports', `${today}.md`), 'utf8')).toContain('by spool down, as it stopped the home');
			expect((await readEvents(home, today)).filter(event => event.type === 'report_ready').map(event => event.trigger)).toEqual(['down']);
		} finally {
			await killProcessesOfHome(home);
		}
	}, 60_000);
});

/** An Etc/GMT zone whose clock reads between 11:00 and 13:00 now (Etc/GMT-N is N hours ahead of UTC). */
function noonZone(): string {
	const offset = 12 - new Date().getUTCHours();
	return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
