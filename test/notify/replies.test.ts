import fs from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {LiveConfig} from '../../src/config/live.ts';
import {loadConfig} from '../../src/config/load.ts';
import {pino} from 'pino';
import type {QuestionRef} from '../../src/notify/questions.ts';
import {NotifySender} from '../../src/notify/sender.ts';
import {readTuning} from '../../src/notify/tuning.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {startFakeTelegram, type FakeTelegram} from '../fixtures/fake-telegram.ts';
import {lastToolResult, startFakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';
import {allStateText, BOT_TOKEN, CHAT_ID, retired, tell, tuningEnv} from '../helpers/notify.ts';

let bot: FakeTelegram | undefined;
const senders: NotifySender[] = [];
const homes: string[] = [];

afterEach(async () => {
	await Promise.all(senders.splice(0).map(async sender => sender.close()));
	await Promise.all(homes.splice(0).map(async home => killProcessesOfHome(home)));
	await bot?.close();
});

async function telegramHome(): Promise<string> {
	bot = await startFakeTelegram({token: BOT_TOKEN});
	const home = await makeHome({workers: {coder: {}}, extra: {notify: {telegram: {botToken: BOT_TOKEN, chatId: CHAT_ID, apiBase: bot.apiBase}}}});
	homes.push(home);
	return home;
}

/** A sender in this process, as the orchestrator runs one, with a reply handler that records its calls. */
function startSender(home: string, calls: Array<{ref: QuestionRef; text: string; by: string}>): NotifySender {
	// Every level, debug included, into one file (spool's own logger keeps only info and up in its file).
	const logger = pino({level: 'debug', base: {name: 'notify-test'}}, pino.destination({dest: path.join(home, 'logs', 'notify-test.log'), mkdir: true, append: true, sync: true}));
	const config = loadConfig(home, {});
	const sender = new NotifySender({
		live: new LiveConfig(config, logger),
		layout: createLayout(home),
		logger,
		tuning: readTuning(tuningEnv()),
		async onReply(ref, text, by) {
			calls.push({ref, text, by});
			return {outcome: 'queued', message: `Answer queued for ${ref.worker}/${ref.id}.`};
		},
	});
	senders.push(sender);
	sender.start();
	return sender;
}

describe('Telegram replies answer questions', () => {
	test('a reply to a question\'s message in the configured chat calls the handler with its task, and is confirmed; other chats are ignored', async () => {
		const home = await telegramHome();
		const calls: Array<{ref: QuestionRef; text: string; by: string}> = [];
		const sender = startSender(home, calls);
		const id = tell(home, {type: 'question', message: 'coder/fix asks: Which branch should the fix go to?', worker: 'coder', id: 'fix', question: 'Which branch should the fix go to?'});
		const sent = await retired(home, id, 'sent');
		const messageId = sent.deliveries[`telegram:${CHAT_ID}`].messageId as number;
		expect(bot!.sent[0]).toMatchObject({messageId, text: expect.stringContaining('Reply to this message to answer it.')});

		// Another chat, replying to the very message: not listened to. Then the configured chat, replying to nothing.
		bot!.pushMessage({chatId: 999, text: 'a stranger-secret-text', replyTo: messageId});
		bot!.pushMessage({chatId: Number(CHAT_ID), text: 'just chatting'});
		const reply = bot!.pushMessage({chatId: Number(CHAT_ID), text: '  use release/2.1  ', replyTo: messageId, username: 'ada'});
		await waitFor(() => calls.length > 0, 10_000, 'the reply handler called');
		expect(calls).toEqual([{ref: {worker: 'coder', id: 'fix'}, text: 'use release/2.1', by: '@ada (Telegram)'}]);
		const confirmation = await waitFor(() => bot!.sent.find(message => message.text === 'Answer queued for coder/fix.'), 10_000, 'the confirmation in the chat');
		expect(confirmation).toMatchObject({chatId: CHAT_ID, replyTo: 5000 + reply});
		await waitFor(async () => (await readJson(path.join(home, 'outbox', '.telegram-offset.json')))?.offset === reply + 1, 5000, 'the offset saved');
		await sender.close();

		const log = await fs.readFile(path.join(home, 'logs', 'notify-test.log'), 'utf8');
		expect(log).toContain('"chat":999,"update":1,"msg":"a Telegram message from another chat than notify.telegram.chatId: ignored"');
		expect(log).toContain('a Telegram message that replies to no question: ignored');
		expect(log).toContain('"outcome":"queued","by":"@ada (Telegram)"');
		expect(log).not.toContain('stranger-secret-text');
		expect(log).not.toContain('release/2.1');
		expect(await allStateText(home)).not.toContain(BOT_TOKEN);

		// A restart reads on from the saved offset: no update is handled twice, and a new reply still finds its question.
		const polled = bot!.offsets.length;
		startSender(home, calls);
		await waitFor(() => bot!.offsets.length > polled, 5000, 'the restarted sender polling');
		expect(bot!.offsets[polled]).toBe(reply + 1);
		bot!.pushMessage({chatId: Number(CHAT_ID), text: 'actually main', replyTo: messageId});
		await waitFor(() => calls.length === 2, 10_000, 'the second reply');
		expect(calls[1]).toEqual({ref: {worker: 'coder', id: 'fix'}, text: 'actually main', by: 'Ada (Telegram)'});
	}, 30_000);

	test('end to end: an agent asks with ask_human, the question reaches Telegram, a reply resumes the task with it; a second reply is told it was answered', async () => {
		const home = await telegramHome();
		const api = await startFakeApi(request => {
			if (request.toolResults === 0) {
				return {tool: 'mcp__spool__ask_human', input: {question: 'Which colour should the button be?', options: ['red', 'blue']}};
			}

			const last = lastToolResult(request);
			return {text: `told: ${/(blue|red), please/.exec(last)?.[1] ?? 'nothing'}`};
		});
		const up = spool(home, ['up'], {env: {...apiEnv(api.url), ...tuningEnv()}});
		try {
			await dropTask(home, 'coder', 'button', {prompt: 'ASK about the button colour'});
			const question = await waitFor(() => bot!.sent.find(message => message.text.includes('Which colour')), 40_000, 'the question in the chat');
			expect(question.text).toMatch(/^spool \S+ · Question · coder\/button\ncoder\/button asks: Which colour should the button be\? \(options: red \/ blue\)/);
			expect(question.text).toMatch(/Reply to this message to answer it\.$/);
			const waited = await readJson(path.join(home, 'waiting', 'coder', 'button.json'));
			const repliedAt = Date.now();
			bot!.pushMessage({chatId: Number(CHAT_ID), text: 'blue, please', replyTo: question.messageId, username: 'ada'});
			// At once, as the question's message comes back: its id is noted before the reply is looked up.
			const confirmation = await waitFor(() => bot!.sent.find(message => message.replyTo !== undefined), 10_000, 'the confirmation');
			expect(confirmation.text).toMatch(/^coder\/button: answered; queued to resume its session/);
			const result = await waitFor(() => resultOf(home, 'coder', 'button'), 40_000, 'the resumed task');
			console.log(`round trip from the Telegram reply to the resumed result: ${Date.now() - repliedAt} ms`);
			expect(result).toMatchObject({status: 'succeeded', result: 'told: blue', sessionId: waited?.ask.sessionId, questions: [{answer: 'blue, please', answeredBy: '@ada (Telegram)'}]});

			bot!.pushMessage({chatId: Number(CHAT_ID), text: 'red', replyTo: question.messageId});
			const second = await waitFor(() => bot!.sent.filter(message => message.replyTo !== undefined)[1], 10_000, 'the second confirmation');
			expect(second.text).toMatch(/^coder\/button (is not waiting for an answer|was answered already)/);
		} finally {
			up.kill('SIGTERM');
			await up;
			await api.close();
		}
	}, 90_000);
});
