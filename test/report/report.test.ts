import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {addDays, dayBounds, dayOf} from '../../src/ledger/day.ts';
import {parseReport, type Report} from '../../src/report/record.ts';
import {dropTask, makeHome, spool} from '../helpers/home.ts';
import {ledgerEntry} from '../helpers/ledger.ts';
import {writeResult} from '../helpers/results.ts';

const ZONE = 'Europe/Paris';

/**
 * A home whose day holds a task of each kind: succeeded with a deliverable and feedback, failed after a
 * retry on a subscription, rejected (no run), a workflow task whose cost was reckoned from tokens, a
 * retried task now delayed in tasks/, one running and one waiting for an answer (no ledger line yet),
 * the planner's run; and, to be left out, a task of yesterday and a result touched today that finished
 * yesterday.
 */
async function makeBusyHome() {
	const home = await makeHome({workers: {coder: {dailyUsd: 2}, reviewer: {}}, extra: {budget: {timezone: ZONE, dailyUsd: 5}}});
	const now = Date.now();
	const today = dayOf(now, ZONE);
	const yesterday = new Date(dayBounds(today, ZONE).from - 3_600_000);
	const time = new Date(now).toISOString();
	const lines = [
		ledgerEntry({time, task: 'ok', costUsd: 0.5, durationMs: 90_000}),
		ledgerEntry({time, task: 'flaky', outcome: 'retrying', error: 'api_unavailable', costUsd: 0.2, auth: 'subscription', durationMs: 5000}),
		ledgerEntry({time, task: 'flaky', attempt: 2, outcome: 'failed', error: 'missing_deliverable', costUsd: 0.1, auth: 'subscription', durationMs: 7000}),
		ledgerEntry({time, worker: 'reviewer', task: 'notes--check', costUsd: 0.01, workflow: 'notes', costFrom: 'tokens', durationMs: 3000}),
		ledgerEntry({time, worker: 'reviewer', task: 'again', outcome: 'retrying', error: 'timeout', durationMs: 120_000}),
		ledgerEntry({time, worker: 'orchestrator', task: 'notes', costUsd: 0.05, workflow: 'notes'}),
	];
	await fs.mkdir(path.join(home, 'ledger'));
	await fs.writeFile(path.join(home, 'ledger', `${today}.jsonl`), `${lines.map(line => JSON.stringify(line)).join('\n')}\nnot a ledger line\n`);

	const workspace = path.join(home, 'workspaces', 'coder', 'ok');
	await fs.mkdir(workspace, {recursive: true});
	await fs.writeFile(path.join(workspace, 'NOTES.md'), 'notes\n');
	await writeResult(home, 'coder', 'ok', {costUsd: 0.5, durationMs: 90_000, cwd: workspace, task: {prompt: 'write notes', deliverables: ['NOTES.md']}, feedback: `feedback/${addDays(today, -1)}.md`});
	await writeResult(home, 'coder', 'flaky', {
		status: 'failed',
		attempts: 2,
		costUsd: 0.1,
		costEstimated: true,
		error: {code: 'missing_deliverable', message: 'the run succeeded, but the deliverable <OUT.md> does not exist in `/tmp/x`'},
		history: [{attempt: 1, error: {code: 'api_unavailable', message: 'API 529'}, finishedAt: time, durationMs: 5000, costUsd: 0.2}],
	});
	await writeResult(home, 'coder', 'bad', {status: 'rejected', attempts: 0, error: {code: 'invalid_json', message: 'not JSON: Unexpected token'}});
	await writeResult(home, 'reviewer', 'notes--check', {costUsd: 0.01, metadata: {workflow: 'notes'}});
	await writeResult(home, 'coder', 'old', {}, yesterday);
	const touched = await writeResult(home, 'coder', 'touched', {}, yesterday);
	// Written today, past the 10 minutes after midnight in which a result may still belong to the day before
	// (day-results.ts): in those first minutes of a day, a file written now would count for yesterday.
	const writtenToday = new Date(Math.max(now, dayBounds(today, ZONE).from + 11 * 60_000));
	await fs.utimes(touched, writtenToday, writtenToday);
	await fs.writeFile(path.join(home, 'results', 'coder', 'junk.json'), 'not a result');

	await dropTask(home, 'reviewer', 'again', {prompt: 'again', attempts: 1, retryAt: new Date(now + 3_600_000).toISOString()});
	await dropTask(home, 'coder', 'backlog-1', {prompt: 'later'});
	await dropTask(home, 'coder', 'backlog-2', {prompt: 'later'});
	const claims = path.join(home, 'processing', 'coder', 'host-1-abc');
	await fs.mkdir(claims, {recursive: true});
	await fs.writeFile(path.join(claims, 'busy@2.6f1c2a9e-0b7d-4c1e-9a55-3d2f1e0c9b8a.json'), JSON.stringify({prompt: 'busy', metadata: {workflow: 'notes'}}));
	await fs.mkdir(path.join(home, 'waiting', 'coder'), {recursive: true});
	await fs.writeFile(path.join(home, 'waiting', 'coder', 'ask.json'), JSON.stringify({prompt: 'Store the records', attempts: 0, ask: {question: 'Which database?', options: ['Postgres', 'SQLite'], askedAt: time, toolUseId: 'toolu_1', sessionId: 's-1', cwd: home, costUsd: 0.01, attempt: 1, runId: 'r-1', sessionCostUsd: 0.01}}));
	await fs.writeFile(path.join(home, 'waiting', 'coder', 'broken.json'), '{');
	await fs.writeFile(path.join(home, 'results', 'coder', 'ask.question.md'), 'Which database?\n');
	await fs.mkdir(path.join(home, 'control', 'quota'), {recursive: true});
	const resetsAt = new Date(now + 2 * 3_600_000).toISOString();
	await fs.writeFile(
		path.join(home, 'control', 'quota', 'account-test.json'),
		JSON.stringify({version: 1, account: 'account-test', source: 'account', updatedAt: time, observedBy: 'coder', workers: ['coder'], status: 'allowed', rateLimitType: 'five_hour', isUsingOverage: false, windows: {five_hour: {utilization: 0.85, resetsAt, status: 'allowed'}}}),
	);
	return {home, today, yesterday: dayOf(yesterday.getTime(), ZONE)};
}

describe('spool report', () => {
	test('the record holds the day by worker and workflow, the cost against the budget with its estimates, failures, questions, what runs and waits, deliverables, the slowest tasks and the subscription', async () => {
		const {home, today} = await makeBusyHome();
		const run = await spool(home, ['report', '--json']);
		expect(run.stderr).toBe('');
		expect(run.exitCode).toBe(0);
		const report = parseReport(JSON.parse(run.stdout)) as Report;
		expect(report).toBeDefined();
		expect(JSON.parse(await fs.readFile(path.join(home, 'reports', `${today}.json`), 'utf8'))).toEqual(JSON.parse(run.stdout));
		expect(report).toMatchObject({version: 1, date: today, timezone: ZONE, trigger: 'manual'});
		expect(report.summary.tasks).toEqual({total: 7, states: {succeeded: 2, failed: 1, rejected: 1, running: 1, delayed: 1, waiting: 1}});
		expect(report.summary.cost).toMatchObject({runs: 6, outcomes: {succeeded: 3, retrying: 2, failed: 1}});
		expect(report.summary.cost.costUsd).toBeCloseTo(0.86, 6);
		expect(report.summary.cost.estimatedUsd).toBeCloseTo(0.3, 6);
		expect(report.summary.cost.fromTokensUsd).toBeCloseTo(0.01, 6);
		expect(report.summary.budget).toMatchObject({dailyUsd: 5, state: 'ok', since: null});
		const coder = report.workers.find(row => row.worker === 'coder')!;
		expect(coder.tasks).toEqual({total: 5, states: {succeeded: 1, failed: 1, rejected: 1, running: 1, waiting: 1}});
		expect(coder.budget).toMatchObject({dailyUsd: 2, state: 'ok'});
		expect(coder.cost.costUsd).toBeCloseTo(0.8, 6);
		expect(report.workers.map(row => row.worker)).toEqual(['coder', 'reviewer', 'orchestrator']);
		expect(report.workers.find(row => row.worker === 'reviewer')!.budget).toBeNull();
		expect(report.workflows).toHaveLength(1);
		expect(report.workflows[0]).toMatchObject({id: 'notes', status: 'unknown', tasks: {total: 2, states: {succeeded: 1, running: 1}}});
		expect(report.workflows[0]!.cost.costUsd).toBeCloseTo(0.06, 6);
		expect(report.failures.map(failure => [`${failure.worker}/${failure.id}`, failure.status, failure.code])).toEqual(
			expect.arrayContaining([
				['coder/flaky', 'failed', 'missing_deliverable'],
				['coder/bad', 'rejected', 'invalid_json'],
			]),
		);
		expect(report.failures).toHaveLength(2);
		expect(report.failures.find(failure => failure.id === 'flaky')!.costUsd).toBeCloseTo(0.3, 6);
		expect(report.questions).toEqual([{worker: 'coder', id: 'ask', askedAt: expect.any(String), text: 'Which database?', options: ['Postgres', 'SQLite'], questionFile: 'results/coder/ask.question.md'}]);
		expect(report.running).toEqual([{worker: 'coder', id: 'busy', attempt: 2, workflow: 'notes'}]);
		expect(report.queued).toEqual([{worker: 'coder', tasks: 2}, {worker: 'reviewer', tasks: 1}]);
		expect(report.deliverables).toEqual([{of: 'coder/ok', kind: 'task', path: 'workspaces/coder/ok/NOTES.md', exists: true}]);
		expect(report.slowest.map(task => `${task.worker}/${task.id} ${task.durationMs} ${task.state}`)).toEqual(['reviewer/again 120000 delayed', 'coder/ok 90000 succeeded', 'coder/flaky 12000 failed', 'reviewer/notes--check 3000 succeeded']);
		expect(report.quota).toEqual([{account: 'account-test', workers: ['coder'], reserve: 0.2, updatedAt: expect.any(String), windows: [{name: 'five_hour', utilization: 0.85, resetsAt: expect.any(String), atReserve: true}], pausedUntil: null}]);
		expect(report.feedback.applied).toEqual([{file: `feedback/${addDays(today, -1)}.md`, workers: [{worker: 'coder', tasks: 1, parts: []}]}]);
		expect(report.feedback.next).toEqual({file: `feedback/${today}.md`, exists: false, forAll: false, workers: [], givenFrom: addDays(today, 1), days: 7});
		expect(report.notes).toEqual([`1 line of ledger/${today}.jsonl is not a run and was skipped`, '1 file in results/ of that day is not a spool result and was skipped']);
	});

	test('the markdown has its sections in order, marks estimates, names the commands, and stays plain: narrow tables, no HTML', async () => {
		const {home, today} = await makeBusyHome();
		const run = await spool(home, ['report']);
		expect(run.exitCode).toBe(0);
		expect(run.stdout.trim().split('\n')).toEqual([path.join(home, 'reports', `${today}.md`), path.join(home, 'reports', `${today}.json`)]);
		const markdown = await fs.readFile(path.join(home, 'reports', `${today}.md`), 'utf8');
		const headings = markdown.split('\n').filter(line => line.startsWith('#'));
		expect(headings).toEqual([
			`# spool report ${today}`,
			'## Workers',
			'## Workflows',
			'## Failures',
			'## Refused by the policy',
			'## Blocked by the sandbox',
			'## Questions waiting for you',
			'## Running and queued',
			'## Deliverables',
			'## Slowest tasks',
			'## Subscription windows',
			'## Feedback applied',
			'## Notes',
			'## Feedback',
		]);
		expect(markdown).toContain('7 tasks: 2 succeeded, 1 failed, 1 rejected, 1 running, 1 delayed, 1 waiting for an answer.');
		expect(markdown).toContain("Spent $0.8600* in 6 runs, 17 % of the home's daily budget of $5.");
		expect(markdown).toContain('Costs marked * hold estimates: $0.3000 is what subscription runs would cost at list price (an estimate, not a bill); $0.0100 was reckoned from the tokens');
		expect(markdown).toMatch(/^\| coder +\| +5 \| +1 \| +2 \| 1 running, 1 waiting +\| +3 \| \$0\.8000\* \| 40 % of \$2 +\|$/m);
		expect(markdown).toContain('- `coder/flaky` failed at ');
		// Text from elsewhere cannot open markup: its < and backticks are escaped.
		expect(markdown).toContain('  - the run succeeded, but the deliverable \\<OUT.md> does not exist in \\`/tmp/x\\`');
		expect(markdown).toContain('  - `spool show coder/flaky`');
		expect(markdown).toContain('  - answer: `spool answer coder/ask "..."` (the question in full: `results/coder/ask.question.md`)');
		expect(markdown).toContain('- `coder/busy`, attempt 2, workflow notes');
		expect(markdown).toContain('- `coder/ok`: `workspaces/coder/ok/NOTES.md`');
		expect(markdown).toMatch(/^\| account-test \| five_hour \| 85 % \(at reserve\) \| .+ \| coder +\|$/m);
		expect(markdown).toContain(`Write what you think of this day's work in \`feedback/${today}.md\`: under a \`## coder\` heading for that worker alone, anywhere else for every worker. From ${addDays(today, 1)}, every task's claude is given it`);
		expect(markdown).not.toContain('coder/old');
		expect(markdown).not.toContain('coder/touched');
		expect(markdown).not.toMatch(/(?<!\\)<\/?[a-z][^>]*>/i);
		const tableLines = markdown.split('\n').filter(line => line.startsWith('|'));
		expect(tableLines.length).toBeGreaterThan(10);
		expect(Math.max(...tableLines.map(line => line.length))).toBeLessThanOrEqual(100);
	});

	test('--date reads an earlier day: its runs and results only, what runs now as of now', async () => {
		const {home, yesterday} = await makeBusyHome();
		const run = await spool(home, ['report', '--date', yesterday, '--print']);
		expect(run.exitCode).toBe(0);
		expect(run.stdout).toContain(`# spool report ${yesterday}`);
		// coder/touched finished then too, but its file was written today: a result is found by its mtime, which a loop sets as it finishes.
		expect(run.stdout).toContain('1 task: 1 succeeded.');
		expect(run.stdout).toContain('What runs, waits and is queued, and the subscription windows, are as of then.');
		const report = parseReport(JSON.parse(await fs.readFile(path.join(home, 'reports', `${yesterday}.json`), 'utf8')))!;
		expect(report.summary.cost.runs).toBe(0);
		expect(report.running).toHaveLength(1);
		expect(report.workers.find(row => row.worker === 'coder')!.tasks).toEqual({total: 1, states: {succeeded: 1}});
	});

	test.each([
		{args: ['--date', '2026-02-30'], error: 'spool report: --date "2026-02-30" is no day of the calendar'},
		{args: ['--date', '1/12/2026'], error: 'spool report: --date must be a date such as 2026-03-31 (YYYY-MM-DD); got "1/12/2026"'},
		{args: ['--date', '2999-01-01'], error: 'spool report: --date 2999-01-01 is after today'},
		{args: ['--json', '--print'], error: 'spool report: --json and --print exclude each other: give one'},
		{args: ['today'], error: 'spool report: takes no arguments, got "today"'},
	])('$args is a usage error', async ({args, error}) => {
		const home = await makeHome({workers: {coder: {}}});
		const run = await spool(home, ['report', ...args]);
		expect(run.exitCode).toBe(2);
		expect(run.stderr).toContain(error);
		await expect(fs.readdir(path.join(home, 'reports'))).rejects.toThrow();
	});
});
