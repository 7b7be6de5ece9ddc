import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {makeHome, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {writeWorkflow} from '../helpers/workflows.ts';
import {BROWSER_SETUP_TIMEOUT, openBrowser, type Browser} from './browser.ts';
import {startDashboard, STREAM_CLAUDE, type Dashboard} from './dashboard-process.ts';

let home: string;
let dashboard: Dashboard;
let browser: Browser;
let processes: Array<ReturnType<typeof spool>> = [];

beforeAll(async () => {
	// A real orchestrator queues the tasks; a real loop runs them with a stand-in claude that takes its time.
	home = await makeHome({workers: {coder: {concurrency: 2}}, queue: {scanInterval: '200ms'}});
	processes = [spool(home, ['orchestrator']), spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: STREAM_CLAUDE}})];
	[dashboard, browser] = await Promise.all([startDashboard(home), openBrowser()]);
	await waitFor(async () => (await fs.readdir(path.join(home, 'processing', 'coder')).catch(() => [])).length > 0, 20_000, 'the loop to start');
}, BROWSER_SETUP_TIMEOUT);

afterAll(async () => {
	await browser?.close();
	await dashboard?.stop();
	for (const child of processes) child.kill('SIGTERM');
	await Promise.all(processes);
	await killProcessesOfHome(home);
});

describe("a workflow's graph in a real chromium", () => {
	test('the nodes change colour as the tasks run and finish, without a reload; the summary follows', async () => {
		const {page} = browser;
		const errors: string[] = [];
		page.on('console', message => {
			if (message.type() === 'error' && /Content Security Policy|Refused/.test(message.text())) errors.push(message.text());
		});
		page.on('pageerror', error => errors.push(error.message));
		await page.goto(`${dashboard.url}#/workflows`);
		await page.getByRole('heading', {name: 'Workflows'}).waitFor();

		await writeWorkflow(home, 'flow.yaml', `
name: A small flow
tasks:
  - {id: first, worker: coder, prompt: "stream:3:500 look around"}
  - {id: left, worker: coder, prompt: "stream:2:400 the left half", dependsOn: [first]}
  - {id: right, worker: coder, prompt: "stream:1:10 the right half", dependsOn: [first]}
`);
		// The list shows it once the orchestrator started it; its page draws the graph.
		await page.locator('[data-workflow="flow"]').click({timeout: 15_000});
		const node = (id: string) => page.locator(`[data-testid="graph"] [data-node="${id}"]`);
		const fill = (id: string) => node(id).locator('rect').evaluate(rect => getComputedStyle(rect).fill);
		await node('first').waitFor({timeout: 10_000});
		expect(await node('left').getAttribute('data-state')).toBe('upcoming');
		await expect.poll(() => node('first').getAttribute('data-state'), {timeout: 15_000}).toBe('running');
		const runningFill = await fill('first');
		const upcomingFill = await fill('left');
		await expect.poll(() => node('first').getAttribute('data-state'), {timeout: 15_000}).toBe('succeeded');
		const succeededFill = await fill('first');
		expect(new Set([runningFill, upcomingFill, succeededFill]).size).toBe(3);

		// The dependents are queued once "first" succeeded, and turn as they run.
		await expect.poll(() => node('left').getAttribute('data-state'), {timeout: 15_000}).toMatch(/^(pending|running|succeeded)$/);
		await expect.poll(async () => [await node('left').getAttribute('data-state'), await node('right').getAttribute('data-state')], {timeout: 20_000}).toEqual(['succeeded', 'succeeded']);
		expect(await fill('left')).toBe(succeededFill);
		// Edges: first → left, first → right.
		expect(await page.locator('[data-testid="graph"] path.edge').count()).toBe(2);

		await page.locator('.task-title [data-state="succeeded"]').waitFor({timeout: 15_000});
		await page.getByTestId('workflow-summary').getByText('Workflow flow: succeeded').waitFor({timeout: 10_000});
		expect(errors).toEqual([]);
	}, 60_000);
});
