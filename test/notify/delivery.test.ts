import fs from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {startFakeTelegram, type FakeTelegram} from '../fixtures/fake-telegram.ts';
import {startFakeWebhook, type FakeWebhook} from '../fixtures/fake-webhook.ts';
import {appendEvent} from '../../src/events/events.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {makeHome, readJson, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {allStateText, BOT_TOKEN, CHAT_ID, entriesIn, entryFile, retired, tell, tuningEnv} from '../helpers/notify.ts';

const servers: Array<FakeTelegram | FakeWebhook> = [];
const homes: string[] = [];

afterEach(async () => {
	await Promise.all(homes.splice(0).map(async home => killProcessesOfHome(home)));
	await Promise.all(servers.splice(0).map(async server => server.close()));
});

async function notifyHome(notify: Record<string, unknown>): Promise<string> {
	const home = await makeHome({workers: {coder: {}}, extra: {notify}});
	homes.push(home);
	return home;
}

async function telegram(options: {failFirst?: number} = {}) {
	const server = await startFakeTelegram({token: BOT_TOKEN, ...options});
	servers.push(server);
	return server;
}

async function webhook(options: Parameters<typeof startFakeWebhook>[0] = {}) {
	const server = await startFakeWebhook(options);
	servers.push(server);
	return server;
}

describe('notifications go from a durable outbox to Telegram and webhooks', () => {
	test('an event is in outbox/ before anything is sent; the orchestrator delivers it to each target once, in its format', async () => {
		const [bot, slack, json] = [await telegram(), await webhook(), await webhook()];
		const home = await notifyHome({
			telegram: {botToken: BOT_TOKEN, chatId: Number(CHAT_ID), apiBase: bot.apiBase},
			webhooks: [{url: `${slack.url}/services/T1/B1/slack-secret-path`, format: 'slack'}, {url: `${json.url}/events`, format: 'json'}],
		});
		const id = tell(home, {type: 'task_dead', message: 'coder/readme is dead after 3 attempts: api_unavailable: API error 529', worker: 'coder', id: 'readme', next: 'spool retry coder/readme'});
		// Written by the producer alone: no sender runs yet.
		const waiting = await readJson(entryFile(home, id));
		expect(waiting).toMatchObject({version: 1, id, deliveries: {}, event: {version: 1, type: 'task_dead', worker: 'coder', id: 'readme'}});
		expect(id).toMatch(/^\d{8}T\d{9}Z-task_dead-[0-9a-f]{6}$/);

		const orchestrator = spool(home, ['orchestrator'], {env: tuningEnv()});
		try {
			const sent = await retired(home, id, 'sent');
			expect(Object.values(sent.deliveries)).toEqual([
				{state: 'sent', attempts: 1, sentAt: expect.any(String), messageId: 100},
				{state: 'sent', attempts: 1, sentAt: expect.any(String)},
				{state: 'sent', attempts: 1, sentAt: expect.any(String)},
			]);
			expect(Object.keys(sent.deliveries)).toEqual([`telegram:${CHAT_ID}`, expect.stringMatching(/^webhook:127\.0\.0\.1:\d+:[0-9a-f]{10}$/), expect.stringMatching(/^webhook:127\.0\.0\.1:\d+:[0-9a-f]{10}$/)]);
			const head = `spool ${path.basename(home)} · Task dead · coder/readme\ncoder/readme is dead after 3 attempts: api_unavailable: API error 529\n\nNext: spool retry coder/readme`;
			expect(bot.sent).toEqual([expect.objectContaining({chatId: CHAT_ID, text: head})]);
			expect(slack.requests).toEqual([expect.objectContaining({path: '/services/T1/B1/slack-secret-path', eventId: id, body: {text: head}})]);
			expect(json.requests).toEqual([expect.objectContaining({path: '/events', eventId: id, body: waiting!.event})]);
			expect(await entriesIn(home)).toEqual([]);

			// A second event, told while the sender runs: how long until every target has it.
			const toldAt = Date.now();
			const second = tell(home, {type: 'budget_warning', message: 'the home has spent $7.5000 of its daily budget of $10 today (75 %)'});
			await retired(home, second, 'sent');
			const latency = Math.max(bot.sent[1]!.at, slack.requests[1]!.at, json.requests[1]!.at) - toldAt;
			console.log(`delivery latency, appendEvent to the last of 3 targets: ${latency} ms`);
			expect(latency).toBeLessThan(2000);
			const log = await fs.readFile(path.join(home, 'logs', 'orchestrator.log'), 'utf8');
			expect(log).toContain('"msg":"notification sent"');
			expect(log).not.toContain('slack-secret-path');
		} finally {
			orchestrator.kill('SIGTERM');
			await orchestrator;
		}
	}, 30_000);

	test('a webhook that fails its first 3 deliveries gets the event on the 4th, after a growing back-off; Telegram is not sent it again', async () => {
		const [bot, hook] = [await telegram({failFirst: 1}), await webhook({status: n => (n <= 3 ? 503 : 200)})];
		const home = await notifyHome({telegram: {botToken: BOT_TOKEN, chatId: CHAT_ID, apiBase: bot.apiBase}, webhooks: [{url: `${hook.url}/hook`}]});
		const id = tell(home, {type: 'workflow_done', message: 'workflow notes succeeded', workflow: 'notes'});
		const orchestrator = spool(home, ['orchestrator'], {env: tuningEnv({maxAttempts: 6})});
		try {
			const sent = await retired(home, id, 'sent');
			const [telegramDelivery, hookDelivery] = Object.values(sent.deliveries) as Array<Record<string, unknown>>;
			expect(telegramDelivery).toMatchObject({state: 'sent', attempts: 2});
			expect(hookDelivery).toMatchObject({state: 'sent', attempts: 4});
			expect(bot.sent).toHaveLength(1);
			expect(bot.refused).toBe(1);
			expect(hook.requests.map(request => request.status)).toEqual([503, 503, 503, 200]);
			// Jitter keeps each wait within 50-100 % of 100, 200, 400 ms.
			const gaps = hook.requests.slice(1).map((request, n) => request.at - hook.requests[n]!.at);
			console.log(`retries survived: 3 (503), back-off gaps ${gaps.join(', ')} ms`);
			expect(gaps[0]).toBeGreaterThanOrEqual(45);
			expect(gaps[1]).toBeGreaterThanOrEqual(95);
			expect(gaps[2]).toBeGreaterThanOrEqual(195);
			const log = await fs.readFile(path.join(home, 'logs', 'orchestrator.log'), 'utf8');
			expect(log.match(/notification not delivered; trying again after a back-off/g)).toHaveLength(4);
		} finally {
			orchestrator.kill('SIGTERM');
			await orchestrator;
		}
	}, 30_000);

	test('a target that never works ends failed, shown by spool status; the bot token appears in no log, entry or status', async () => {
		const [bot, hook] = [await telegram({failFirst: 1000}), await webhook({status: () => 500})];
		const secretPath = '/services/T9/B9/never-works-secret';
		const home = await notifyHome({telegram: {botToken: BOT_TOKEN, chatId: CHAT_ID, apiBase: bot.apiBase}, webhooks: [{url: `${hook.url}${secretPath}`}]});
		const id = tell(home, {type: 'worker_paused', message: 'worker coder is paused', worker: 'coder'});
		const orchestrator = spool(home, ['orchestrator'], {env: tuningEnv({maxAttempts: 3})});
		try {
			const failed = await retired(home, id, 'failed');
			const [telegramDelivery, hookDelivery] = Object.values(failed.deliveries) as Array<Record<string, any>>;
			// The stand-in echoes the request path, token and all, in its error: it is stored scrubbed.
			expect(telegramDelivery).toMatchObject({state: 'failed', attempts: 3, lastError: 'Telegram (sendMessage) answered HTTP 502: Bad Gateway while serving /bot[redacted]/sendMessage (gave up after 3 attempts)'});
			expect(hookDelivery).toMatchObject({state: 'failed', attempts: 3, lastError: expect.stringMatching(/^webhook 127\.0\.0\.1:\d+ \(json\) answered HTTP 500: no_service \(gave up after 3 attempts\)$/)});
			expect(bot.refused).toBe(3);

			const status = await spool(home, ['status']);
			expect(status.stdout).toMatch(new RegExp(`notifications to telegram chat ${CHAT_ID}, webhook 127\\.0\\.0\\.1:\\d+ \\(json\\): 0 unsent in outbox/, 1 failed in outbox/failed/`));
			expect(status.stdout).toContain(`FAILED telegram chat ${CHAT_ID}: ${id}, given up at`);
			expect(status.stdout).toMatch(/FAILED webhook 127\.0\.0\.1:\d+ \(json\): .* after 3 attempts: webhook .* answered HTTP 500/);
			const json = JSON.parse((await spool(home, ['status', '--json'])).stdout);
			expect(json.notify).toMatchObject({configured: true, pending: 0, failed: 1, lastFailed: [{entry: id, type: 'worker_paused', attempts: 3}, {entry: id, attempts: 3}]});

			orchestrator.kill('SIGTERM');
			const ended = await orchestrator;
			expect(ended.stderr).toContain('notification given up');
			const everything = `${await allStateText(home)}\n${status.stdout}\n${status.stderr}\n${JSON.stringify(json)}\n${ended.stdout}\n${ended.stderr}`;
			expect(everything).toContain('[redacted]');
			expect(everything).not.toContain(BOT_TOKEN);
			expect(everything).not.toContain(BOT_TOKEN.split(':')[1]);
			expect(everything).not.toContain(secretPath);
		} finally {
			orchestrator.kill('SIGTERM');
			await orchestrator;
		}
	}, 30_000);

	test('a delivery waiting for its next attempt shows in spool status; an entry written by spool 1 (a checked-in file) is still sent', async () => {
		const hook = await webhook({status: () => 503});
		const home = await notifyHome({webhooks: [{url: `${hook.url}/hook`}]});
		const fixture = '20261130T080000000Z-question-a1b2c3';
		await fs.mkdir(path.join(home, 'outbox'), {recursive: true});
		await fs.copyFile(path.join(import.meta.dirname, '..', 'fixtures', 'outbox', 'v1-question.json'), entryFile(home, fixture));
		const orchestrator = spool(home, ['orchestrator'], {env: tuningEnv({backoffMs: 60_000, backoffMaxMs: 60_000})});
		try {
			await waitFor(() => hook.requests.length === 1, 10_000, 'the first attempt');
			expect(hook.requests[0]).toMatchObject({eventId: fixture, body: {type: 'question', worker: 'coder', id: 'migrate', fieldOfALaterSpool: {kept: true}}});
			const status = await waitFor(async () => {
				const run = await spool(home, ['status']);
				return /retrying webhook/.test(run.stdout) ? run.stdout : undefined;
			}, 10_000, 'the retrying line');
			expect(status).toContain('1 unsent in outbox/, 0 failed in outbox/failed/');
			expect(status).toMatch(new RegExp(`retrying webhook 127\\.0\\.0\\.1:\\d+ \\(json\\): ${fixture} after 1 attempts, next at \\S+: webhook 127\\.0\\.0\\.1:\\d+ \\(json\\) answered HTTP 503: no_service`));
			// The target the old entry had tried is no longer configured: it holds nothing back, and is not shown as one.
			expect(status).not.toContain('gone.example.com');
		} finally {
			orchestrator.kill('SIGTERM');
			await orchestrator;
		}
	}, 30_000);

	test('notify is followed live: a webhook added to spool.yaml gets the next event; a type taken out of events is no longer queued', async () => {
		const [first, added] = [await webhook(), await webhook()];
		const home = await notifyHome({webhooks: [{url: `${first.url}/a`}]});
		const orchestrator = spool(home, ['orchestrator'], {env: tuningEnv()});
		try {
			await retired(home, tell(home, {type: 'task_dead', message: 'one'}), 'sent');
			const yaml = await fs.readFile(path.join(home, 'spool.yaml'), 'utf8');
			await fs.writeFile(path.join(home, 'spool.yaml'), yaml.replace(/notify:[\s\S]*?(?=^workers:)/m, `notify:\n  webhooks: [{url: "${first.url}/a"}, {url: "${added.url}/b", format: slack}]\n  events: [task_dead]\n`));
			expect(appendEvent(createLayout(home), 'UTC', {type: 'budget_warning', time: new Date().toISOString(), message: 'not wanted now'})).toBeUndefined();
			// The orchestrator looks at spool.yaml at most once a second.
			await new Promise(resolve => setTimeout(resolve, 1100));
			const id = tell(home, {type: 'task_dead', message: 'two'});
			const sent = await retired(home, id, 'sent');
			expect(Object.keys(sent.deliveries)).toHaveLength(2);
			expect(added.requests.map(request => request.body.text)).toEqual([expect.stringContaining('two')]);
			expect(first.requests).toHaveLength(2);
		} finally {
			orchestrator.kill('SIGTERM');
			await orchestrator;
		}
	}, 30_000);

	test('kill -9 of the orchestrator mid-delivery: after a restart every event is delivered, at most the one in flight twice', async () => {
		const hook = await webhook({delayMs: () => 600});
		const home = await notifyHome({webhooks: [{url: `${hook.url}/hook`, format: 'json'}]});
		const ids = ['one', 'two', 'three', 'four'].map(name => tell(home, {type: 'task_dead', message: `task ${name} is dead`, worker: 'coder', id: name}));
		const first = spool(home, ['orchestrator'], {env: tuningEnv({timeoutMs: 5000})});
		// The second request is under way (arrived, not answered) when the orchestrator dies.
		await waitFor(() => hook.requests.length === 2, 15_000, 'the second delivery under way');
		first.kill('SIGKILL');
		await first;
		expect(hook.requests[1]!.answeredAt).toBeUndefined();
		const second = spool(home, ['orchestrator'], {env: tuningEnv({timeoutMs: 5000})});
		try {
			await waitFor(async () => (await entriesIn(home, 'sent')).length === 4, 30_000, 'every entry sent');
			const arrivals = ids.map(id => hook.requests.filter(request => request.eventId === id).length);
			console.log(`kill -9 mid-delivery: arrivals per event ${arrivals.join(', ')} (${hook.requests.length} requests for 4 events)`);
			expect(arrivals.every(count => count >= 1)).toBe(true);
			expect(arrivals.reduce((sum, count) => sum + count - 1, 0)).toBeLessThanOrEqual(1);
			expect(await entriesIn(home)).toEqual([]);
		} finally {
			second.kill('SIGTERM');
			await second;
		}
	}, 45_000);
});
