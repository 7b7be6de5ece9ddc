import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {loadConfig} from '../../src/config/load.ts';
import {EVENT_TYPES} from '../../src/events/types.ts';
import {readTuning} from '../../src/notify/tuning.ts';
import {makeHome} from '../helpers/home.ts';
import {BOT_TOKEN} from '../helpers/notify.ts';

async function load(notify: string): Promise<ReturnType<typeof loadConfig> | string> {
	const home = await makeHome({workers: {coder: {}}});
	await fs.writeFile(path.join(home, 'spool.yaml'), `workers:\n  coder: {}\nnotify:\n${notify}\n`);
	try {
		return loadConfig(home, {});
	} catch (error) {
		return (error as Error).message;
	}
}

describe('notify: in spool.yaml', () => {
	test('defaults: every event type, the public Bot API, json webhooks; a numeric chat id reads as a string', async () => {
		const config = await load(`  telegram: {botToken: "${BOT_TOKEN}", chatId: -1001234567890}\n  webhooks: [{url: "https://hooks.example.com/x"}]`);
		expect(typeof config === 'string' ? config : config.notify).toEqual({
			telegram: {botToken: BOT_TOKEN, chatId: '-1001234567890', apiBase: 'https://api.telegram.org'},
			webhooks: [{url: 'https://hooks.example.com/x', format: 'json'}],
			events: [...EVENT_TYPES],
		});
		expect(typeof (await load('  webhooks: [{url: "http://127.0.0.1:9/x", format: slack}]\n  events: [question]')) === 'object').toBe(true);
	});

	test.each([
		{notify: '  events: [question]', line: 'notify: names no telegram and no webhooks, so nothing would be sent: add one, or remove notify'},
		{notify: '  webhooks: [{url: "ftp://files.example.com/drop"}]', line: 'notify.webhooks.0.url: must be an http:// or https:// URL (got a string of 28 characters, not shown: it may hold a secret)'},
		{notify: '  webhooks: [{url: "https://x.example.com", format: xml}]', line: 'notify.webhooks.0.format: Invalid option: expected one of "slack"|"json" (got "xml")'},
		{notify: '  webhooks: [{url: "https://x.example.com"}]\n  events: [task_died]', line: 'notify.events.0: Invalid option: expected one of'},
		{notify: '  telegram: {botToken: "AAHdqTcvCH1vGWJx-no-bot-id", chatId: 1}', line: 'notify.telegram.botToken: must be a bot token as @BotFather gives it: digits, a colon, then letters, digits, "_" and "-" (got a string of 26 characters, not shown: it may hold a secret)'},
		{notify: `  telegram: {botToken: "${BOT_TOKEN}", chatId: "my group"}`, line: 'notify.telegram.chatId: '},
		{notify: `  telegram: {botToken: "${BOT_TOKEN}", chatId: 1, apiBase: "api.telegram.org"}`, line: 'notify.telegram.apiBase: must be an http:// or https:// URL (got "api.telegram.org")'},
		{notify: `  telegram: {botToken: "${BOT_TOKEN}", chatId: 1, chat: 2}`, line: 'notify.telegram: Unrecognized key: "chat"'},
		// The value in the wrong shape, or a line YAML cannot read: neither may quote the token or the webhook's path.
		{notify: '  telegram: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"', line: 'notify.telegram: expected object (got a string of 44 characters, not shown: it may hold a secret)'},
		{notify: '  webhooks: ["https://hooks.slack.com/services/T0/B0/AAHdqTcvCH1vGWJx"]', line: 'notify.webhooks.0: expected object (got a string of'},
		{notify: '  telegram: {botToken: "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", chatId: 1\n  webhooks: [{url: "https://hooks.slack.com/services/T0/B0/AAHdqTcvCH1vGWJx"}]', line: 'not valid YAML'},
	])('$line', async ({notify, line}) => {
		const message = await load(notify);
		expect(message).toContain(line);
		expect(message).not.toContain('AAHdqTcvCH1vGWJx');
	});

	test('SPOOL_NOTIFY_TUNING overrides the sender\'s clock, and a bad value is an error', () => {
		expect(readTuning({})).toMatchObject({backoffMs: 5000, backoffMaxMs: 600_000, maxAttempts: 12, timeoutMs: 10_000, pollSeconds: 10});
		expect(readTuning({SPOOL_NOTIFY_TUNING: '{"backoffMs": 50, "maxAttempts": 2}'})).toMatchObject({backoffMs: 50, maxAttempts: 2, timeoutMs: 10_000});
		expect(() => readTuning({SPOOL_NOTIFY_TUNING: '{"backofMs": 50}'})).toThrow(/SPOOL_NOTIFY_TUNING: .*backofMs/);
	});
});
