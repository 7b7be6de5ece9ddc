// Screenshots of the dashboard at desktop and phone widths, of a home with a bit of everything:
// node test/ui/screenshots.ts [OUT_DIR]   (default /tmp/spool-ui-shots; docs/ui.png is its overview-desktop.png)
import fs from 'node:fs';
import path from 'node:path';
import {makeHome} from '../helpers/home.ts';
import {openBrowser} from './browser.ts';
import {startDashboard} from './dashboard-process.ts';
import {appendLedger, SAMPLE_REPORT, writePatch, writeQuota, writeReport, writeResult, writeWorkflowState} from './demo-home.ts';

const out = process.argv[2] ?? '/tmp/spool-ui-shots';
fs.mkdirSync(out, {recursive: true});

export async function makeDemoHome(): Promise<string> {
	const home = await makeHome({workers: {coder: {concurrency: 2, description: 'Writes and fixes code'}, reviewer: {description: 'Reviews changes'}}, extra: {budget: {dailyUsd: 5, timezone: 'UTC'}}});
	const now = Date.now();
	const dayStart = Date.parse(`${new Date(now).toISOString().slice(0, 10)}T00:00:00Z`);
	appendLedger(home, Array.from({length: 40}, (_, n) => ({time: dayStart + ((now - dayStart) * (n + 1)) / 41, costUsd: 0.02 + ((n * 37) % 11) / 100})));
	writeQuota(home, 'account-6f1c2a9e-0b7d-4c1e-9a55-3e2f1d0c8b7a', ['coder', 'reviewer'], {five_hour: {utilization: 0.42, resetsInMs: 2.4 * 3600_000}, seven_day: {utilization: 0.67, resetsInMs: 3.2 * 86_400_000}});
	writeResult(home, 'coder', 'add-verbose-flag', {result: 'Added --verbose (-v) to the CLI and documented it in docs/cli.md.', task: {prompt: 'Add a --verbose flag to the CLI', repo: 'app'}, repo: {name: 'app', path: '/src/app', worktree: 'workspaces/coder/add-verbose-flag', branch: 'spool/coder/add-verbose-flag', base: 'main', baseCommit: '3b18e51', changedFiles: ['src/cli/flags.ts', 'docs/cli.md'], diffStat: {files: 2, insertions: 7, deletions: 1}, patch: 'results/coder/add-verbose-flag.patch'}});
	writePatch(home, 'coder', 'add-verbose-flag');
	writeResult(home, 'reviewer', 'review-docs', {result: 'The docs read well.', task: {prompt: 'Review docs/cli.md'}});
	writeWorkflowState(home, 'release-notes', [
		{id: 'changes', worker: 'coder', status: 'succeeded', costUsd: 0.12},
		{id: 'issues', worker: 'coder', status: 'succeeded', costUsd: 0.08},
		{id: 'notes', worker: 'coder', dependsOn: ['changes', 'issues'], status: 'queued'},
		{id: 'translate', worker: 'coder', dependsOn: ['changes'], status: 'failed', costUsd: 0.05},
		{id: 'review', worker: 'reviewer', dependsOn: ['notes'], status: 'waiting'},
		{id: 'publish', worker: 'reviewer', dependsOn: ['review', 'translate'], status: 'waiting'},
	], {name: 'Release notes', description: 'Collect the changes, then write and review the notes.'});
	const claim = path.join(home, 'processing', 'coder', 'demo-loop', 'release-notes--notes.json');
	fs.mkdirSync(path.dirname(claim), {recursive: true});
	fs.writeFileSync(claim, JSON.stringify({prompt: 'Write the release notes', metadata: {workflow: 'release-notes'}}));
	writeReport(home, '2026-12-01', SAMPLE_REPORT, {total: 14, failed: 2, costUsd: 1.821});
	writeReport(home, '2026-11-30', '# spool report 2026-11-30\n\nNo task ran or finished.\n', {total: 0, failed: 0, costUsd: 0});
	return home;
}

const SHOTS: Array<[string, string, string]> = [
	['overview', '#/', '[data-testid="cost-chart"] svg'],
	['workflow', '#/workflow/release-notes', '[data-testid="graph"]'],
	['patch', '#/task/coder/add-verbose-flag', '[data-testid="patch"] .diff'],
	['report', '#/report/2026-12-01', '[data-testid="report"]'],
];

if (import.meta.url === `file://${process.argv[1]}`) {
	const home = await makeDemoHome();
	const dashboard = await startDashboard(home);
	try {
		for (const [size, viewport] of [['desktop', {width: 1280, height: 800}], ['phone', {width: 390, height: 844}]] as const) {
			const browser = await openBrowser(viewport);
			try {
				await browser.page.goto(`${dashboard.url}#token=${dashboard.token}`);
				for (const [name, hash, ready] of SHOTS) {
					await browser.page.goto(`${dashboard.url}${hash}`);
					await browser.page.locator(ready).first().waitFor({timeout: 10_000});
					await browser.page.waitForTimeout(300);
					const file = path.join(out, `${name}-${size}.png`);
					await browser.page.screenshot({path: file, fullPage: size === 'phone' ? false : false});
					console.log(file);
				}
			} finally {
				await browser.close();
			}
		}
	} finally {
		await dashboard.stop();
		fs.rmSync(home, {recursive: true, force: true});
	}
}
