import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {makeHome} from '../helpers/home.ts';
import {BROWSER_SETUP_TIMEOUT, openBrowser, type Browser} from './browser.ts';
import {startDashboard, type Dashboard} from './dashboard-process.ts';
import {appendLedger, SAMPLE_REPORT, writePatch, writeQuota, writeReport, writeResult} from './demo-home.ts';

let home: string;
let dashboard: Dashboard;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
	home = await makeHome({workers: {coder: {}, reviewer: {}}, extra: {budget: {dailyUsd: 5, timezone: 'UTC'}}});
	[dashboard, browser] = await Promise.all([startDashboard(home), openBrowser()]);
	browser.page.on('console', message => {
		if (message.type() === 'error' && /Content Security Policy|Refused/.test(message.text())) errors.push(message.text());
	});
	browser.page.on('pageerror', error => errors.push(error.message));
}, BROWSER_SETUP_TIMEOUT);

afterAll(async () => {
	await browser?.close();
	await dashboard?.stop();
	await fs.rm(home, {recursive: true, force: true});
});

/** Runs of today, spread between midnight (UTC, the home's zone) and now. */
function runsToday(costs: number[]): Array<{time: number; costUsd: number}> {
	const now = Date.now();
	const start = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`);
	return costs.map((costUsd, n) => ({time: start + ((now - start) * (n + 1)) / (costs.length + 1), costUsd}));
}

describe('the views over what spool stores, in a real chromium', () => {
	test("the Overview draws today's cost against the budget and the subscription windows, and follows both live", async () => {
		const {page} = browser;
		await page.goto(`${dashboard.url}#/`);
		const chart = page.getByTestId('cost-chart').locator('svg');
		await expect.poll(() => chart.getAttribute('aria-label'), {timeout: 5000}).toBe('cost today: $0 of a $5 budget');
		await page.getByTestId('no-quota').waitFor();
		await expect(page.getByTestId('no-quota').textContent()).resolves.toContain('no subscription windows');

		appendLedger(home, runsToday([0.5, 0.25, 0.75]));
		await expect.poll(() => chart.getAttribute('aria-label'), {timeout: 3000}).toBe('cost today: $1.50 of a $5 budget');
		await page.getByTestId('budget-line').waitFor({state: 'attached'});
		// A step line: up at each minute with runs (three), along to now.
		await expect.poll(() => page.locator('.spend-line').getAttribute('d'), {timeout: 3000}).toMatch(/^M[\d.]+,[\d.]+( H[\d.]+ V[\d.]+){3} H[\d.]+$/);

		writeQuota(home, 'account-1111', ['coder', 'reviewer'], {five_hour: {utilization: 0.42, resetsInMs: 2 * 3600_000}, seven_day: {utilization: 0.9, resetsInMs: 3 * 86_400_000}});
		const account = page.locator('[data-account="account-1111"]');
		await account.waitFor({timeout: 3000});
		await expect(account.locator('.account-head').textContent()).resolves.toContain('coder, reviewer');
		const fiveHour = account.locator('[data-window="five_hour"]');
		await expect(fiveHour.locator('.window-used').textContent()).resolves.toBe('42%');
		await expect(fiveHour.locator('.bar-fill').getAttribute('width')).resolves.toBe('42%');
		await expect(fiveHour.locator('.window-reset').textContent()).resolves.toMatch(/^resets in (1 h 59 min|2 h 0 min)/);
		// Past the 80% where claiming stops (the default reserve of 0.2): drawn as full.
		await expect(account.locator('[data-window="seven_day"] .bar-fill').getAttribute('class')).resolves.toBe('bar-fill full');
		expect(await page.getByTestId('no-quota').count()).toBe(0);
	});

	test("a repo task's page shows its patch coloured: file headers, hunks, added and removed lines", async () => {
		const {page} = browser;
		writeResult(home, 'coder', 'flag', {result: 'done', task: {prompt: 'Add a --verbose flag', repo: 'app'}});
		await page.goto(`${dashboard.url}#/task/coder/flag`);
		await page.getByTestId('result').waitFor();
		expect(await page.getByTestId('patch').count()).toBe(0);
		// Written while the page is open: it shows by itself.
		writePatch(home, 'coder', 'flag');
		const patch = page.getByTestId('patch');
		await patch.locator('.diff').first().waitFor({timeout: 3000});
		await expect(patch.locator('.patch-name').allTextContents()).resolves.toEqual(['src/cli/flags.ts', 'docs/cli.md']);
		await expect(patch.locator('summary').first().textContent()).resolves.toContain('+4 −1');
		await expect(patch.locator('.d-file').first().textContent()).resolves.toBe('--- a/src/cli/flags.ts');
		await expect(patch.locator('.d-hunk').first().textContent()).resolves.toBe('@@ -12,9 +12,13 @@ export type Flags = {');
		await expect(patch.locator('.d-del').first().textContent()).resolves.toContain('const flags: Flags = {json: false, quiet: false};');
		const colour = (selector: string) => patch.locator(selector).first().evaluate(line => getComputedStyle(line).backgroundColor);
		const colours = new Set([await colour('.d-add'), await colour('.d-del'), await colour('.d-hunk'), await colour('.d-context')]);
		expect(colours.size).toBe(4);
	});

	test('Reports lists reports/DATE.md newest first and renders one, any HTML in it shown as text', async () => {
		const {page} = browser;
		writeReport(home, '2026-11-30', '# spool report 2026-11-30\n\nNo task ran or finished.\n');
		await page.goto(`${dashboard.url}#/reports`);
		await page.locator('[data-report="2026-11-30"]').waitFor();
		writeReport(home, '2026-12-01', SAMPLE_REPORT, {total: 14, failed: 2, costUsd: 1.821});
		await page.locator('[data-report="2026-12-01"]').waitFor({timeout: 3000});
		await expect(page.locator('[data-report]').evaluateAll(rows => rows.map(row => row.getAttribute('data-report')))).resolves.toEqual(['2026-12-01', '2026-11-30']);
		await expect(page.locator('[data-report="2026-12-01"]').textContent()).resolves.toContain('14 tasks, 2 failed');

		await page.locator('[data-report="2026-12-01"] a').click();
		const report = page.getByTestId('report');
		await report.locator('h1').getByText('spool report 2026-12-01').waitFor();
		await expect(report.locator('table tr').count()).resolves.toBe(3);
		await expect(report.locator('h2').allTextContents()).resolves.toEqual(['Workers', 'Failures', 'Notes', 'Feedback']);
		// The HTML a model wrote is text on the page, never an element; only a safe link is a link.
		await expect(report.textContent()).resolves.toContain('<script>alert("x")</script>');
		expect(await report.locator('script, img, [onerror]').count()).toBe(0);
		await expect(report.locator('a').evaluateAll(links => links.map(link => link.getAttribute('href')))).resolves.toEqual(['https://example.com/notes']);
		await expect(fs.stat(path.join(home, 'reports', '2026-12-01.md'))).resolves.toBeTruthy();
		expect(errors).toEqual([]);
	});
});
