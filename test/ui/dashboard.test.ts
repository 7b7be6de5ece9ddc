import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import {randomUUID} from 'node:crypto';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {dropTask, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {BROWSER_SETUP_TIMEOUT, openBrowser, type Browser} from './browser.ts';
import {listeningAddresses, startDashboard, STREAM_CLAUDE, type Dashboard} from './dashboard-process.ts';

let home: string;
let dashboard: Dashboard;
let browser: Browser;
let worker: ReturnType<typeof spool>;

beforeAll(async () => {
	// coder runs (a stand-in claude whose transcript grows slowly); idle has no loop, so its tasks stay pending.
	home = await makeHome({workers: {coder: {concurrency: 2}, idle: {}}, queue: {scanInterval: '200ms'}});
	worker = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: STREAM_CLAUDE}});
	[dashboard, browser] = await Promise.all([startDashboard(home), openBrowser()]);
	await waitFor(async () => (await fs.readdir(path.join(home, 'processing', 'coder')).catch(() => [])).length > 0, 20_000, 'the loop to start');
}, BROWSER_SETUP_TIMEOUT);

afterAll(async () => {
	await browser?.close();
	await dashboard?.stop();
	worker?.kill('SIGTERM');
	await worker;
	await killProcessesOfHome(home);
});

/** A GET with a Host header of our choosing (fetch may not set one). */
function statusWithHost(url: string, host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		http.get(url, {headers: {host}}, response => {
			response.resume();
			resolve(response.statusCode!);
		}).on('error', reject);
	});
}

async function apiTask(worker: string, id: string): Promise<Record<string, any> | undefined> {
	const response = await fetch(`${dashboard.url}api/tasks/${worker}/${id}`);
	return response.ok ? ((await response.json()) as Record<string, any>) : undefined;
}

describe('the dashboard in a real chromium', () => {
	test('it listens on 127.0.0.1 only, and the token it printed is the one in control/ui-token, mode 0600', async () => {
		expect(await listeningAddresses(dashboard.port)).toEqual(['127.0.0.1']);
		const stat = await fs.stat(path.join(home, 'control', 'ui-token'));
		expect(stat.mode & 0o777).toBe(0o600);
		expect((await fs.readFile(path.join(home, 'control', 'ui-token'), 'utf8')).trim()).toBe(dashboard.token);
		expect(JSON.parse(await fs.readFile(path.join(home, 'control', 'ui.json'), 'utf8'))).toMatchObject({url: dashboard.url, port: dashboard.port});
	});

	test('a task dropped into tasks/ shows on the open Tasks page and in the Overview within 1 s, without a reload', async () => {
		const {page} = browser;
		await page.goto(`${dashboard.url}#/tasks`);
		await page.getByTestId('total').waitFor();
		const started = Date.now();
		await dropTask(home, 'idle', 'dropped', {prompt: 'Summarise the README'});
		await page.locator('[data-task="idle/dropped"]').waitFor({timeout: 1000});
		const shownMs = Date.now() - started;
		await expect(page.locator('[data-task="idle/dropped"]').textContent()).resolves.toContain('Summarise the README');
		expect(await page.locator('[data-task="idle/dropped"] [data-state]').getAttribute('data-state')).toBe('pending');

		await page.goto(`${dashboard.url}#/`);
		const pending = page.locator('[data-worker="idle"] [data-testid="pending"]');
		await expect.poll(() => pending.textContent(), {timeout: 5000}).toBe('1');
		const again = Date.now();
		await dropTask(home, 'idle', 'dropped-2', {prompt: 'and another'});
		await expect.poll(() => pending.textContent(), {timeout: 1000, interval: 20}).toBe('2');
		console.log(`a dropped task showed on the Tasks page after ${shownMs} ms, in the Overview's count after ${Date.now() - again} ms`);
	});

	test("a running task's transcript streams onto its page, tool calls with their results, a long one folded", async () => {
		const {page} = browser;
		await dropTask(home, 'coder', 'streamer', {prompt: 'stream:4:800 please'});
		await waitFor(async () => (await apiTask('coder', 'streamer'))?.state === 'running', 15_000, 'the task to run');
		await page.goto(`${dashboard.url}#/task/coder/streamer`);
		const transcript = page.getByTestId('transcript');
		await transcript.getByText('Step 1: looking around').waitFor({timeout: 10_000});
		// Streamed: the first step is on the page while the last is still to come.
		expect(await transcript.getByText('Step 4: looking around').count()).toBe(0);
		await expect(transcript.locator('.tool-name').first().textContent()).resolves.toBe('Bash');
		await expect(transcript.locator('.tool-input').first().textContent()).resolves.toBe('ls step-1');
		// 40 lines of output start folded; a short one is shown as it is.
		const folded = transcript.locator('details.tool-result').first();
		expect(await folded.getAttribute('open')).toBeNull();
		await expect(folded.locator('summary').textContent()).resolves.toContain('40 lines');
		await transcript.getByText('step-2-output').waitFor({timeout: 10_000});
		await transcript.getByText('Step 4: looking around').waitFor({timeout: 10_000});
		await transcript.getByText('all 4 steps done').first().waitFor({timeout: 10_000});
		await page.locator('.task-title [data-state="succeeded"]').waitFor({timeout: 10_000});
		await expect(page.getByTestId('result').textContent()).resolves.toBe('all 4 steps done');
		await expect(page.getByTestId('cost').textContent()).resolves.toBe('$0.01');
	});

	test('cancel and retry from the task page: the run stops, then runs again to success', async () => {
		const {page} = browser;
		const name = randomUUID();
		await page.goto(`${dashboard.url}#token=${dashboard.token}`);
		await page.waitForFunction(() => location.hash === '#/' && localStorage.getItem('spool-ui-token') !== null, undefined, {timeout: 5000});
		await dropTask(home, 'coder', 'hanger', {prompt: `hang-once:${name}`});
		await page.goto(`${dashboard.url}#/task/coder/hanger`);
		await page.getByTestId('transcript').getByText('Step 1: looking around').waitFor({timeout: 15_000});
		await page.getByRole('button', {name: 'Cancel'}).click();
		await page.locator('.task-title [data-state="canceled"]').waitFor({timeout: 15_000});
		expect(await resultOf(home, 'coder', 'hanger')).toMatchObject({status: 'canceled', error: {code: 'canceled'}});

		await page.getByRole('button', {name: 'Retry'}).click();
		await page.locator('.task-title [data-state="succeeded"]').waitFor({timeout: 15_000});
		expect(await resultOf(home, 'coder', 'hanger')).toMatchObject({status: 'succeeded', result: 'all 1 steps done'});
		// The canceled run went to the history, as spool retry moves it.
		expect((await fs.readdir(path.join(home, 'results', 'coder', '.history'))).some(file => file.startsWith('hanger.'))).toBe(true);
	});

	test('an action without the token, with another one, from another origin or not as JSON gets 403 naming why; the task is untouched', async () => {
		const post = (headers: Record<string, string>) => fetch(`${dashboard.url}api/tasks/idle/dropped/cancel`, {method: 'POST', headers, body: '{}'}).then(async response => ({status: response.status, body: (await response.json()) as {error?: {code: string; message: string}}}));
		const json = {'content-type': 'application/json'};
		const bearer = {authorization: `Bearer ${dashboard.token}`};
		expect(await post(json)).toMatchObject({status: 403, body: {error: {code: 'token_missing', message: expect.stringContaining('Authorization: Bearer')}}});
		expect(await post({...json, authorization: `Bearer ${'x'.repeat(43)}`})).toMatchObject({status: 403, body: {error: {code: 'token_wrong'}}});
		expect(await post({...json, ...bearer, origin: 'http://evil.example'})).toMatchObject({status: 403, body: {error: {code: 'cross_origin'}}});
		expect(await post({...json, ...bearer, 'sec-fetch-site': 'cross-site'})).toMatchObject({status: 403, body: {error: {code: 'cross_site'}}});
		expect(await post({'content-type': 'text/plain', ...bearer})).toMatchObject({status: 403, body: {error: {code: 'json_required'}}});
		// A page of another name pointed at 127.0.0.1 (DNS rebinding) cannot even read.
		expect(await statusWithHost(`${dashboard.url}api/tasks`, 'evil.example')).toBe(403);
		expect(await statusWithHost(`${dashboard.url}api/tasks`, `localhost:${dashboard.port}`)).toBe(200);

		// The page without the token: the click is refused, and the page says why.
		const {page} = browser;
		await page.goto(`${dashboard.url}#/task/idle/dropped`);
		await page.evaluate(() => localStorage.clear());
		await page.reload();
		const refused = page.waitForResponse(response => response.url().endsWith('/cancel'));
		await page.getByRole('button', {name: 'Cancel'}).click();
		expect((await refused).status()).toBe(403);
		await page.getByRole('alert').getByText('an action needs the token').waitFor({timeout: 5000});
		await expect(fs.stat(path.join(home, 'tasks', 'idle', 'dropped.json'))).resolves.toBeTruthy();
		expect((await apiTask('idle', 'dropped'))?.state).toBe('pending');
	});
});
