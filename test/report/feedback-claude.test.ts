import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {addDays, dayOf} from '../../src/ledger/day.ts';
import {parseReport} from '../../src/report/record.ts';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {workflowResult, writeWorkflow} from '../helpers/workflows.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(request => (request.prompt.includes('WRITE A FILE') && request.toolResults === 0 ? {tool: 'Write', input: {file_path: 'hello.txt', content: 'written\n'}} : {text: `done: ${request.prompt}`}));
});

afterAll(async () => {
	await api.close();
});

test("the evening's feedback reaches the next day's runs through the real CLI, each worker its own section and the text for all, and the report says so", async () => {
	const home = await makeHome({
		workers: {coder: {systemPrompt: 'You are MARKER-coder.'}, reviewer: {systemPrompt: 'You are MARKER-reviewer.'}, docs: {systemPrompt: 'You are MARKER-docs.'}},
		extra: {budget: {timezone: 'UTC'}, report: {at: null}},
	});
	const today = dayOf(Date.now(), 'UTC');
	const yesterday = addDays(today, -1);
	await fs.mkdir(path.join(home, 'feedback'));
	await fs.writeFile(
		path.join(home, 'feedback', `${yesterday}.md`),
		`# Review of ${yesterday}\n\nFEEDBACK-FOR-ALL: keep answers short.\n\n## coder\n\nFEEDBACK-FOR-CODER: run the tests.\n\n## reviewer\n\nFEEDBACK-FOR-REVIEWER: be kind.\n<!-- FEEDBACK-NOTE-TO-SELF -->\n`,
	);
	// An older review gives way to the latest; one written today waits for tomorrow.
	await fs.writeFile(path.join(home, 'feedback', `${addDays(today, -3)}.md`), 'OLD-FEEDBACK\n');
	await fs.writeFile(path.join(home, 'feedback', `${today}.md`), 'TODAY-FEEDBACK\n');

	// One loop per worker, not `spool up`: up can exit 13 (an unsettled await) when its children see the down request and exit before it does.
	const loops = [...['coder', 'reviewer', 'docs'].map(worker => spool(home, ['worker', worker], {env: apiEnv(api.url)})), spool(home, ['orchestrator'])];
	try {
		// A workflow whose task writes a file it promises, as the workflow does: both are the day's deliverables.
		await fs.mkdir(path.join(home, 'work'));
		await writeWorkflow(home, 'notes.yaml', 'cwd: work\ndeliverables: [hello.txt]\ntasks:\n  - {id: write, worker: coder, prompt: "WRITE A FILE please", deliverables: [hello.txt]}\n');
		for (const worker of ['coder', 'reviewer', 'docs']) {
			await dropTask(home, worker, `${worker}-task`, {prompt: `task of ${worker}`});
		}

		const results = await Promise.all(['coder', 'reviewer', 'docs'].map(async worker => waitFor(() => resultOf(home, worker, `${worker}-task`), 60_000, `${worker}'s result`)));
		for (const result of results) {
			expect(result).toMatchObject({status: 'succeeded', feedback: `feedback/${yesterday}.md`});
		}

		expect(await workflowResult(home, 'notes')).toMatchObject({status: 'succeeded'});

		const systemOf = (worker: string) => api.requests.find(request => request.prompt === `task of ${worker}`)!.system;
		const markers = (worker: string) => ['MARKER-', 'FEEDBACK-FOR-ALL', 'FEEDBACK-FOR-CODER', 'FEEDBACK-FOR-REVIEWER', 'FEEDBACK-NOTE-TO-SELF', 'OLD-FEEDBACK', 'TODAY-FEEDBACK'].filter(marker => systemOf(worker).includes(marker));
		// The worker's own prompt is still there, beside the feedback: claude sends both.
		expect(systemOf('coder')).toContain('You are MARKER-coder.');
		expect(markers('coder')).toEqual(['MARKER-', 'FEEDBACK-FOR-ALL', 'FEEDBACK-FOR-CODER']);
		expect(markers('reviewer')).toEqual(['MARKER-', 'FEEDBACK-FOR-ALL', 'FEEDBACK-FOR-REVIEWER']);
		expect(markers('docs')).toEqual(['MARKER-', 'FEEDBACK-FOR-ALL']);
		expect(systemOf('coder')).toContain(`the person who reviews this team's work wrote this (feedback/${yesterday}.md)`);
		expect(systemOf('coder')).toContain('## For you (coder)\n\nFEEDBACK-FOR-CODER: run the tests.');

		const down = await spool(home, ['down']);
		expect(down.exitCode).toBe(0);
		for (const loop of loops) {
			expect((await loop).exitCode).toBe(0);
		}

		// report.at is null here, so spool down wrote none: the next morning's report by hand.
		expect((await spool(home, ['report'])).exitCode).toBe(0);
		const report = parseReport(JSON.parse(await fs.readFile(path.join(home, 'reports', `${today}.json`), 'utf8')))!;
		expect(report.feedback.applied).toEqual([
			{
				file: `feedback/${yesterday}.md`,
				workers: [
					{worker: 'coder', tasks: 2, parts: ['all', 'own']},
					{worker: 'docs', tasks: 1, parts: ['all']},
					{worker: 'reviewer', tasks: 1, parts: ['all', 'own']},
				],
			},
		]);
		expect(report.workflows).toEqual([expect.objectContaining({id: 'notes', status: 'succeeded', tasks: {total: 1, states: {succeeded: 1}}, summaryFile: 'results/workflows/notes.md'})]);
		expect(report.deliverables).toEqual([
			{of: 'coder/notes--write', kind: 'task', path: 'work/hello.txt', exists: true},
			{of: 'notes', kind: 'summary', path: 'results/workflows/notes.md', exists: true},
			{of: 'notes', kind: 'workflow', path: 'work/hello.txt', exists: true},
		]);
		expect(report.feedback.next).toMatchObject({file: `feedback/${today}.md`, exists: true, forAll: true, workers: []});
		const markdown = await fs.readFile(path.join(home, 'reports', `${today}.md`), 'utf8');
		expect(markdown).toContain(`\`feedback/${yesterday}.md\` reached 4 finished tasks:\n\n- coder: 2 tasks, its own section and the text for all\n- docs: 1 task, the text for all\n- reviewer: 1 task, its own section and the text for all`);
		expect(markdown).toContain(`\`feedback/${today}.md\` is written, with text for every worker.`);
	} finally {
		await killProcessesOfHome(home);
	}
}, 120_000);
