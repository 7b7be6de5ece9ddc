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

beforeAll(async () => {
	api = await startFakeApi(request => {
		if (request.prompt.includes('ASK') && request.toolResults === 0) {
			return {tool: 'mcp__spool__ask_human', input: {question: 'Which colour should the button be?', options: ['red', 'blue'], context: 'The design file names none.'}};
		}

		return {text: `told: ${lastToolResult(request)}`};
	});
	home = await makeHome({workers: {coder: {concurrency: 1}}});
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

describe('a question answered from the dashboard (real claude CLI)', () => {
	test('the question shows at the top of the open Overview, the answer typed there resumes the same session', async () => {
		const {page} = browser;
		await page.goto(`${dashboard.url}#token=${dashboard.token}`);
		await page.getByTestId('today').waitFor();
		await dropTask(home, 'coder', 'button', {prompt: 'ASK about the button colour'});
		const card = page.locator('.waiting [data-task="coder/button"]');
		await card.waitFor({timeout: 30_000});
		await expect(card.locator('.question').textContent()).resolves.toBe('Which colour should the button be?');
		await expect(card.locator('.context').textContent()).resolves.toBe('The design file names none.');
		await expect(card.locator('.options button').allTextContents()).resolves.toEqual(['red', 'blue']);
		await expect(page.getByTestId('inbox-count').textContent()).resolves.toBe('1');
		const waiting = await readJson(path.join(home, 'waiting', 'coder', 'button.json'));

		await card.getByRole('textbox', {name: 'your answer'}).fill('blue, like the logo');
		await card.getByRole('button', {name: 'Send answer'}).click();
		// Answered: the question leaves the page by itself, and the task resumes to its result.
		await card.waitFor({state: 'detached', timeout: 10_000});
		const result = await waitFor(() => resultOf(home, 'coder', 'button'), 30_000, 'the resumed result');
		expect(result).toMatchObject({status: 'succeeded', sessionId: waiting!.ask.sessionId, result: 'told: The person answered:\n\nblue, like the logo'});
		expect(result.questions).toMatchObject([{question: 'Which colour should the button be?', answer: 'blue, like the logo', answeredBy: 'dashboard'}]);

		await page.goto(`${dashboard.url}#/task/coder/button`);
		await page.locator('.task-title [data-state="succeeded"]').waitFor({timeout: 10_000});
		await expect(page.getByTestId('result').textContent()).resolves.toBe('told: The person answered:\n\nblue, like the logo');
		await page.getByText('→ blue, like the logo').waitFor();
	}, 60_000);
});
