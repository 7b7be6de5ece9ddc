import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {dayOf} from '../../src/ledger/day.ts';
import {parseReport, type Report} from '../../src/report/record.ts';
import {appendJsonLine} from '../../src/queue/append-line.ts';
import {makeHome, spool} from '../helpers/home.ts';
import {ledgerEntry} from '../helpers/ledger.ts';
import {writeResult} from '../helpers/results.ts';

const ZONE = 'Europe/Paris';

describe('spool status counts the commands the policy refused today, from the ledger', () => {
	test('a line per worker with refusals, --json per worker and for the home; a tally cached before the count is read again', async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}, tester: {}}, extra: {budget: {timezone: ZONE}}});
		const today = dayOf(Date.now(), ZONE);
		const ledger = path.join(home, 'ledger', `${today}.jsonl`);
		appendJsonLine(ledger, ledgerEntry({task: 'a', violations: 1}));
		appendJsonLine(ledger, ledgerEntry({task: 'b', outcome: 'failed', error: 'policy_violation', violations: 1}));
		appendJsonLine(ledger, ledgerEntry({worker: 'reviewer', task: 'c', violations: 1}));
		appendJsonLine(ledger, ledgerEntry({worker: 'tester', task: 'd'}));
		// A tally of version 3 covering the whole file, from before refusals were summed: it must not be believed.
		const size = (await fs.stat(ledger)).size;
		const stale = {runs: 1, costUsd: 0, estimatedUsd: 0, outcomes: {succeeded: 1}, usage: {input: 0, output: 0, cacheRead: 0, cacheWrite: 0}};
		await fs.writeFile(path.join(home, 'ledger', `.${today}.tally.json`), JSON.stringify({version: 3, date: today, offset: size, lines: 4, badLines: 0, workers: {coder: stale, reviewer: stale, tester: stale}}));

		const text = await spool(home, ['status']);
		expect(text.exitCode).toBe(0);
		expect(text.stdout).toContain('policy: 3 commands refused today (coder 2, reviewer 1); spool report lists them');
		const status = JSON.parse((await spool(home, ['status', '--json'])).stdout);
		expect(status.today).toMatchObject({runs: 4, violations: 3});
		expect(status.workers.map((worker: {worker: string; today: {violations: number}}) => [worker.worker, worker.today.violations])).toEqual([['coder', 2], ['reviewer', 1], ['tester', 0]]);
	});

	test('no refusal, no line', async () => {
		const home = await makeHome({workers: {coder: {}}, extra: {budget: {timezone: ZONE}}});
		appendJsonLine(path.join(home, 'ledger', `${dayOf(Date.now(), ZONE)}.jsonl`), ledgerEntry({}));
		const text = await spool(home, ['status']);
		expect(text.stdout).toMatch(/^coder\s+0\s+0\s+0\s+0\s+0\s+1\s+1\s/m);
		expect(text.stdout).not.toContain('policy:');
		expect(JSON.parse((await spool(home, ['status', '--json'])).stdout).today.violations).toBe(0);
	});
});

describe('the report lists the day\'s refused commands per worker, from the results', () => {
	test('the record counts them in the summary and lists each; the markdown names them under their worker', async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}}, extra: {budget: {timezone: ZONE}}});
		const now = Date.now();
		const at = (seconds: number) => new Date(now - seconds * 1000).toISOString();
		await writeResult(home, 'coder', 'push', {
			status: 'failed',
			error: {code: 'policy_violation', message: 'refused'},
			metadata: {workflow: 'ship'},
			policyViolations: [
				{tool: 'Bash', command: 'git add -A &&\n  git commit -m "x"', rule: 'git add', time: at(30)},
				{tool: 'Bash', command: 'git push origin `HEAD`:main', rule: 'git push', time: at(20)},
			],
		});
		await writeResult(home, 'reviewer', 'look', {policyViolations: [{tool: 'Bash', command: 'alembic upgrade head', rule: 'alembic upgrade', time: at(10)}]});
		await writeResult(home, 'coder', 'clean', {});

		const run = await spool(home, ['report', '--json']);
		expect(run.stderr).toBe('');
		const report = parseReport(JSON.parse(run.stdout)) as Report;
		expect(report.summary.policyViolations).toBe(3);
		expect(report.policyViolations).toEqual([
			{worker: 'coder', id: 'push', tool: 'Bash', command: 'git add -A &&\n  git commit -m "x"', rule: 'git add', time: at(30), workflow: 'ship'},
			{worker: 'coder', id: 'push', tool: 'Bash', command: 'git push origin `HEAD`:main', rule: 'git push', time: at(20), workflow: 'ship'},
			{worker: 'reviewer', id: 'look', tool: 'Bash', command: 'alembic upgrade head', rule: 'alembic upgrade', time: at(10), workflow: null},
		]);

		const markdown = (await spool(home, ['report', '--print'])).stdout;
		expect(markdown).toContain("spool's policy refused 3 commands (coder 2, reviewer 1): see Refused by the policy.");
		const section = markdown.slice(markdown.indexOf('## Refused by the policy'), markdown.indexOf('## Blocked by the sandbox'));
		expect(section.trim().split('\n').slice(2).map(line => line.replace(/ at \d\d:\d\d$/, ''))).toEqual([
			'- coder: 2 commands',
			'  - `git add -A && git commit -m "x"` (rule `git add`) in `coder/push`',
			'  - `` git push origin `HEAD`:main `` (rule `git push`) in `coder/push`',
			'- reviewer: 1 command',
			'  - `alembic upgrade head` (rule `alembic upgrade`) in `reviewer/look`',
		]);
	});

	test('a day without refusals says so, and its header says nothing of them', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await writeResult(home, 'coder', 'clean', {});
		const markdown = (await spool(home, ['report', '--print'])).stdout;
		expect(markdown).toContain('## Refused by the policy\n\nNo command was refused.\n');
		expect(markdown).not.toContain("spool's policy refused");
		expect(markdown).toContain('## Blocked by the sandbox\n\nNothing was blocked.\n');
		expect(markdown).not.toContain("spool's sandbox blocked");
	});

	test("what the sandbox blocked: counted in the summary and the header, listed per worker, and in spool status from the ledger", async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}}, extra: {budget: {timezone: ZONE}}});
		const now = Date.now();
		const at = (seconds: number) => new Date(now - seconds * 1000).toISOString();
		await writeResult(home, 'coder', 'escape', {
			finishedAt: at(60),
			sandboxBlocks: [
				{tool: 'Bash', kind: 'write', target: `${home}/spool.yaml`, time: at(90)},
				{tool: 'Read', kind: 'read', target: `${home}/auth-homes/reviewer/settings.json`, time: at(80)},
			],
		});
		await writeResult(home, 'reviewer', 'look', {finishedAt: at(50), sandboxBlocks: [{tool: 'Bash', kind: 'network', target: 'example.com:443', time: at(55)}]});
		appendJsonLine(path.join(home, 'ledger', `${dayOf(now, ZONE)}.jsonl`), ledgerEntry({task: 'escape', blocked: 2}));
		appendJsonLine(path.join(home, 'ledger', `${dayOf(now, ZONE)}.jsonl`), ledgerEntry({worker: 'reviewer', task: 'look', blocked: 1}));
		const record = parseReport(JSON.parse((await spool(home, ['report', '--json'])).stdout)) as Report;
		expect(record.summary.sandboxBlocks).toBe(3);
		expect(record.sandboxBlocks!.map(block => `${block.worker}/${block.id} ${block.kind}`)).toEqual(['coder/escape write', 'coder/escape read', 'reviewer/look network']);
		const markdown = (await spool(home, ['report', '--print'])).stdout;
		expect(markdown).toContain("spool's sandbox blocked 3 tool calls (coder 2, reviewer 1): see Blocked by the sandbox.");
		const section = markdown.slice(markdown.indexOf('## Blocked by the sandbox'), markdown.indexOf('## Questions waiting for you'));
		expect(section.trim().split('\n').slice(2).map(line => line.replace(/ at \d\d:\d\d$/, ''))).toEqual([
			'- coder: 2 tool calls',
			`  - write \`${home}/spool.yaml\` by Bash in \`coder/escape\``,
			`  - read \`${home}/auth-homes/reviewer/settings.json\` by Read in \`coder/escape\``,
			'- reviewer: 1 tool call',
			'  - network `example.com:443` by Bash in `reviewer/look`',
		]);
		const status = await spool(home, ['status']);
		expect(status.stdout).toContain('sandbox: 3 tool calls blocked today (coder 2, reviewer 1); spool report lists them');
	});
});
