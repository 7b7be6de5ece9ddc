import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {startFakeWebhook, type FakeWebhook} from '../fixtures/fake-webhook.ts';
import {apiEnv, dropTask, FAKE_CLAUDE, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {entriesIn, entryFile, tuningEnv} from '../helpers/notify.ts';
import {writeWorkflow} from '../helpers/workflows.ts';

let api: FakeApi;
let hook: FakeWebhook;
const homes: string[] = [];

beforeAll(async () => {
	api = await startFakeApi(() => ({status: 401, type: 'authentication_error', message: 'invalid x-api-key'}));
	hook = await startFakeWebhook();
});

afterAll(async () => {
	await api.close();
	await hook.close();
});

afterEach(async () => {
	await Promise.all(homes.splice(0).map(async home => killProcessesOfHome(home)));
});

/** A home whose events go to the webhook stand-in; nothing sends them unless an orchestrator runs. */
async function notifyHome(queue: Record<string, unknown> = {}, notify: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<string> {
	const home = await makeHome({workers: {coder: {}}, queue: {lease: '2s', ...queue}, extra: {notify: {webhooks: [{url: `${hook.url}/hook`, format: 'json'}], ...notify}, ...extra}});
	homes.push(home);
	return home;
}

/** The one outbox entry of `type` a producer wrote, once it is there. */
async function entryOf(home: string, type: string): Promise<Record<string, any>> {
	const id = await waitFor(async () => (await entriesIn(home)).find(id => id.includes(`-${type}-`)), 20_000, `an outbox entry of type ${type}`);
	return (await readJson(entryFile(home, id)))!;
}

async function runWorker<T>(home: string, env: Record<string, string>, body: () => Promise<T>): Promise<T> {
	const loop = spool(home, ['worker', 'coder'], {env});
	try {
		return await body();
	} finally {
		loop.kill('SIGTERM');
		await loop;
	}
}

describe('each producer tells its event through the outbox, in a readable message', () => {
	test('task_dead: a task whose last attempt crashed names the worker, the task, the error and the next commands', async () => {
		const home = await notifyHome({maxAttempts: 1});
		const entry = await runWorker(home, {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}, async () => {
			await dropTask(home, 'coder', 'boom', {prompt: 'exit:3'});
			expect(await waitFor(() => resultOf(home, 'coder', 'boom'), 20_000, 'the dead result')).toMatchObject({status: 'dead'});
			return entryOf(home, 'task_dead');
		});
		expect(entry.event).toMatchObject({
			type: 'task_dead',
			worker: 'coder',
			id: 'boom',
			attempts: 1,
			error: {code: 'cli_crashed'},
			message: expect.stringMatching(/^coder\/boom is dead after 1 attempt: cli_crashed: /),
			next: 'spool show coder/boom shows each attempt and its error; spool retry coder/boom runs it again',
		});
		expect(await entriesIn(home)).toHaveLength(1);
	}, 30_000);

	test('worker_paused: refused credentials name spool login; a usage limit names its reset time; each pause is told once', async () => {
		const home = await notifyHome();
		await fs.mkdir(path.join(home, 'auth-homes', 'coder'), {recursive: true});
		await fs.writeFile(path.join(home, 'auth-homes', 'coder', 'settings.json'), JSON.stringify({env: {ANTHROPIC_API_KEY: 'sk-revoked-key'}}));
		const auth = await runWorker(home, apiEnv(api.url), async () => {
			await dropTask(home, 'coder', 'one', {prompt: 'first'});
			await dropTask(home, 'coder', 'two', {prompt: 'second'});
			// The real CLI meets the stand-in's 401: its first start on a busy machine may take a while.
			await waitFor(() => readJson(path.join(home, 'paused', 'coder.json')), 40_000, 'the pause');
			return entryOf(home, 'worker_paused');
		});
		expect(auth.event).toMatchObject({
			type: 'worker_paused',
			worker: 'coder',
			reason: 'auth',
			message: expect.stringMatching(/^worker coder is paused: API error 401: .*spool login coder/),
			next: 'fix its credentials with spool login coder (or a key in auth-homes/coder/settings.json); it resumes when they change, or with spool resume coder',
		});
		expect((await entriesIn(home)).filter(id => id.includes('-worker_paused-'))).toHaveLength(1);

		const limited = await notifyHome();
		const resetsAt = Math.floor(Date.now() / 1000) + 3600;
		const usage = await runWorker(limited, {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}, async () => {
			await dropTask(limited, 'coder', 'usage', {prompt: `usage-limit:${resetsAt}`});
			return entryOf(limited, 'worker_paused');
		});
		const until = new Date(resetsAt * 1000 + 2000).toISOString();
		expect(usage.event).toMatchObject({
			type: 'worker_paused',
			reason: 'usage-limit',
			worker: 'coder',
			until,
			message: expect.stringMatching(new RegExp(`^account \\S+ hit its usage limit \\(You've hit your 5-hour limit\\), seen by worker coder: no worker of the account starts a run until ${until}$`)),
			next: expect.stringContaining('spool resume coder'),
		});
	}, 60_000);

	test('workflow_done: the orchestrator tells a finished workflow with its status and summary file, and sends it', async () => {
		const home = await notifyHome();
		await writeWorkflow(home, 'notes.yaml', 'tasks:\n  - {id: changes, worker: coder, prompt: "list the changes"}\n');
		const up = spool(home, ['up'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, ...tuningEnv()}});
		try {
			const delivered = await waitFor(() => hook.requests.find(request => request.body.type === 'workflow_done' && request.body.workflow === 'notes'), 30_000, 'workflow_done at the webhook');
			expect(delivered.body).toMatchObject({
				status: 'succeeded',
				summary: 'results/workflows/notes.md',
				message: 'workflow notes succeeded: 1 of 1 tasks succeeded, 0 failed, 0 skipped, $0.0010',
				next: 'read results/workflows/notes.md',
			});
			await waitFor(async () => (await entriesIn(home, 'sent')).length === 1, 10_000, 'the entry in outbox/sent/');
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 45_000);

	test('report_ready: a CLI command (spool down writes the day\'s report) is a producer too; the entry waits for the next orchestrator', async () => {
		// A report.at late in the day: spool down writes the report whenever it comes, and no schedule does before it.
		const home = await notifyHome({}, {}, {report: {at: '23:59'}, budget: {timezone: 'UTC'}});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		await waitFor(async () => (await fs.readdir(path.join(home, 'processing', 'coder')).catch(() => [])).length > 0, 20_000, 'the loop to start');
		const down = await spool(home, ['down']);
		await loop;
		expect(down.exitCode).toBe(0);
		const entry = await entryOf(home, 'report_ready');
		expect(entry.event).toMatchObject({type: 'report_ready', date: expect.any(String), file: expect.stringMatching(/^reports\/\d{4}-\d{2}-\d{2}\.md$/), message: expect.stringMatching(/^the report of \S+ is in reports\//)});
		expect(entry.deliveries).toEqual({});
	}, 30_000);

	test('a home without notify writes its events but never grows an outbox, even with an orchestrator running', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {maxAttempts: 1}});
		homes.push(home);
		const up = spool(home, ['up'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, ...tuningEnv()}});
		try {
			await dropTask(home, 'coder', 'boom', {prompt: 'exit:3'});
			await waitFor(() => resultOf(home, 'coder', 'boom'), 20_000, 'the dead result');
			await waitFor(async () => (await fs.readFile(path.join(home, 'logs', 'orchestrator.log'), 'utf8').catch(() => '')).includes('orchestrator started'), 10_000, 'the orchestrator');
		} finally {
			up.kill('SIGTERM');
			await up;
		}

		const [day] = (await fs.readdir(path.join(home, 'events'))).filter(name => name.endsWith('.jsonl'));
		expect(await fs.readFile(path.join(home, 'events', day!), 'utf8')).toContain('"type":"task_dead"');
		await expect(fs.access(path.join(home, 'outbox'))).rejects.toThrow();
	}, 30_000);
});
