import {setTimeout as sleep} from 'node:timers/promises';
import type {LiveConfig} from '../config/live.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {doublingMs} from '../worker/failure-policy.ts';
import {readOffset, writeOffset} from './offset.ts';
import type {QuestionIndex, QuestionRef} from './questions.ts';
import {createScrubber, describeError, type Scrubber} from './scrub.ts';
import {telegramKey} from './targets.ts';
import {TelegramApi, type TelegramConfig, type TelegramUpdate} from './telegram-api.ts';
import type {NotifyTuning} from './tuning.ts';

/** What a reply to a question does: src/ask/answer.ts's answerQuestion, or a stand-in. `message` is said in the chat. */
export type ReplyHandler = (ref: QuestionRef, text: string, by: string) => Promise<{outcome: string; message: string}>;

/** The longest wait between two getUpdates after errors. */
const MAX_POLL_RETRY_MS = 60_000;

/**
 * Reads the bot's updates (getUpdates, long polling) while notify.telegram is set: a message in the
 * configured chat that replies to a question's message is handed to the reply handler with the
 * question's {worker, id}, and the handler's message is said back in the chat as a reply to it. A
 * message of any other chat is ignored, logged at debug with its chat id only, never its text.
 */
export class ReplyListener {
	readonly #live: LiveConfig;
	readonly #layout: Layout;
	readonly #logger: Logger;
	readonly #tuning: NotifyTuning;
	readonly #questions: QuestionIndex;
	readonly #onReply: ReplyHandler;
	#offset: {bot: string; value: number} | undefined;

	constructor(options: {live: LiveConfig; layout: Layout; logger: Logger; tuning: NotifyTuning; questions: QuestionIndex; onReply: ReplyHandler}) {
		this.#live = options.live;
		this.#layout = options.layout;
		this.#logger = options.logger;
		this.#tuning = options.tuning;
		this.#questions = options.questions;
		this.#onReply = options.onReply;
	}

	/** Runs until `signal` aborts; never throws. */
	async run(signal: AbortSignal): Promise<void> {
		let failures = 0;
		let lastError: string | undefined;
		while (!signal.aborted) {
			const notify = this.#live.current().notify;
			if (!notify?.telegram) {
				await sleep(this.#tuning.scanMs, undefined, {signal}).catch(() => undefined);
				continue;
			}

			const api = new TelegramApi(notify.telegram);
			const scrub = createScrubber(notify);
			try {
				const got = await api.getUpdates(this.#offsetOf(api.botId), this.#tuning.pollSeconds, {timeoutMs: this.#tuning.timeoutMs, signal});
				if (got === 'aborted') {
					break;
				}

				if ('failure' in got) {
					failures++;
					const error = scrub(got.failure.error);
					const waitMs = Math.max(got.failure.retryAfterMs ?? 0, doublingMs(failures, this.#tuning.pollRetryMs, MAX_POLL_RETRY_MS));
					// Said once per kind of error, not once per poll.
					(error === lastError ? this.#logger.debug : this.#logger.warn).call(this.#logger, {error, retryInMs: waitMs}, 'cannot read the Telegram bot\'s updates (replies to questions wait); trying again');
					lastError = error;
					await sleep(waitMs, undefined, {signal}).catch(() => undefined);
					continue;
				}

				failures = 0;
				lastError = undefined;
				for (const update of got.updates.sort((a, b) => a.update_id - b.update_id)) {
					await this.#handle(update, notify.telegram, api, scrub, signal);
					this.#offset = {bot: api.botId, value: update.update_id + 1};
					await writeOffset(this.#layout, api.botId, update.update_id + 1);
				}
			} catch (error) {
				this.#logger.error({error: scrub(describeError(error))}, 'reading the Telegram bot\'s updates failed; trying again');
				await sleep(MAX_POLL_RETRY_MS / 6, undefined, {signal}).catch(() => undefined);
			}
		}
	}

	#offsetOf(bot: string): number {
		if (this.#offset?.bot !== bot) {
			this.#offset = {bot, value: readOffset(this.#layout, bot)};
		}

		return this.#offset.value;
	}

	async #handle(update: TelegramUpdate, telegram: TelegramConfig, api: TelegramApi, scrub: Scrubber, signal: AbortSignal): Promise<void> {
		const message = update.message;
		if (!message?.chat) {
			return;
		}

		if (!isChat(message.chat, telegram.chatId)) {
			this.#logger.debug({chat: message.chat.id, update: update.update_id}, 'a Telegram message from another chat than notify.telegram.chatId: ignored');
			return;
		}

		const repliedTo = message.reply_to_message?.message_id;
		const question = repliedTo === undefined ? undefined : await this.#questions.find(telegramKey(telegram.chatId), repliedTo);
		if (!question) {
			this.#logger.debug({update: update.update_id}, 'a Telegram message that replies to no question: ignored');
			return;
		}

		const text = message.text?.trim();
		let answer: {outcome: string; message: string};
		if (text) {
			const by = message.from?.username ? `@${message.from.username} (Telegram)` : `${message.from?.first_name ?? `user ${message.from?.id ?? '?'}`} (Telegram)`;
			try {
				answer = await this.#onReply(question, text, by);
				this.#logger.info({worker: question.worker, task: question.id, outcome: answer.outcome, by, chars: text.length}, 'a Telegram reply answered a question');
			} catch (error) {
				const why = scrub(describeError(error));
				this.#logger.error({worker: question.worker, task: question.id, error: why}, 'a Telegram reply to a question could not be recorded');
				answer = {outcome: 'error', message: `The answer to ${question.worker}/${question.id} could not be recorded: ${why}`};
			}
		} else {
			answer = {outcome: 'not-text', message: 'Only a text reply answers a question.'};
		}

		const sent = await api.sendMessage({text: answer.message, replyTo: message.message_id}, {timeoutMs: this.#tuning.timeoutMs, signal});
		if (sent !== 'aborted' && !sent.ok) {
			this.#logger.warn({error: scrub(sent.error)}, 'cannot confirm the answer in the Telegram chat');
		}
	}
}

/** A numeric chat id, or a "@channelname". */
function isChat(chat: {id: number; username?: string}, chatId: string): boolean {
	return chatId.startsWith('@') ? chat.username?.toLowerCase() === chatId.slice(1).toLowerCase() : String(chat.id) === chatId;
}
