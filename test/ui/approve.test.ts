import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {lastToolResult, startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {BROWSER_SETUP_TIMEOUT, openBrowser, type Browser} from './browser.ts';
import {startDashboard, type Dashboard} from './dashboard-process.ts';

let api: FakeApi;
let home: string;
let dashboard: Dashboard;
let browser: Browser;
let worker: ReturnType<typeof spool>;
/** What the second call of each task's run was told (the approved command's output, or the person's reason). */
const told = new Map<string, string>();

beforeAll(async () => {
	api = await startFakeApi(request => {
		if (request.toolResults === 0) {
			return {tool: 'Bash', input: {command: 'touch approved.txt', description: 'needs approval'}};
		}

		told.set(request.prompt, lastToolResult(request));
		return {text: 'done'};
	});
	home = await makeHome({workers: {coder: {concurrency: 2, allowedTools: ['Bash'], policy: {ask: ['touch approved.txt']}}}});
	worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	[dashboard, browser] = await Promise.all([startDashboard(home), openBrowser()]);
	await waitFor(async () => (await fs.readdir(path.join(home, 'processing', 'coder')).catch(() => [])).length > 0, 20_000, 'the loop to start');
}, BROWSER_SETUP_TIMEOUT);

afterAll(async () => {
	await browser?.close();
	await dashboard?.stop();
	worker?.kill('SIGTERM');
	await worker;
	await killProcessesOfHome(home);
	await api?.close();
});

describe('approvals decided from the dashboard (real claude CLI, policy.ask)', () => {
	test('Approve runs the command in the same session; Deny refuses it with the reason typed on the page', async () => {
		const {page} = browser;
		await page.goto(`${dashboard.url}#token=${dashboard.token}`);
		await page.goto(`${dashboard.url}#/inbox`);
		await dropTask(home, 'coder', 'yes', {prompt: 'APPROVE ME'});
		await dropTask(home, 'coder', 'no', {prompt: 'DENY ME'});
		const yes = page.locator('[data-task="coder/yes"]');
		const no = page.locator('[data-task="coder/no"]');
		await Promise.all([yes.waitFor({timeout: 30_000}), no.waitFor({timeout: 30_000})]);
		await expect(yes.locator('pre.command').textContent()).resolves.toBe('touch approved.txt');
		const waiting = await readJson(path.join(home, 'waiting', 'coder', 'yes.json'));

		await yes.getByRole('button', {name: 'Approve'}).click();
		await no.getByRole('textbox', {name: 'why deny'}).fill('not on a Friday');
		await no.getByRole('button', {name: 'Deny'}).click();
		await Promise.all([yes.waitFor({state: 'detached', timeout: 10_000}), no.waitFor({state: 'detached', timeout: 10_000})]);

		const approved = await waitFor(() => resultOf(home, 'coder', 'yes'), 30_000, 'the approved result');
		expect(approved).toMatchObject({status: 'succeeded', sessionId: waiting!.ask.sessionId, questions: [{kind: 'approval', decision: 'allow', answeredBy: 'dashboard'}]});
		expect(await fs.stat(path.join(home, 'workspaces', 'coder', 'yes', 'approved.txt')).then(() => true, () => false)).toBe(true);
		const denied = await waitFor(() => resultOf(home, 'coder', 'no'), 30_000, 'the denied result');
		expect(denied).toMatchObject({status: 'succeeded', questions: [{kind: 'approval', decision: 'deny', why: 'not on a Friday'}]});
		expect(told.get('DENY ME')).toContain('not on a Friday');
		expect(await fs.stat(path.join(home, 'workspaces', 'coder', 'no', 'approved.txt')).then(() => true, () => false)).toBe(false);
	}, 90_000);
});
