import type {NotifyConfig} from '../config/schema.ts';
import {failureOf, type SendOutcome} from './delivery.ts';
import {postJson} from './post.ts';

export type TelegramConfig = NonNullable<NotifyConfig['telegram']>;

/** The fields of a Bot API update spool reads: a message, its chat, who wrote it, and what it replies to. */
export type TelegramUpdate = {
	update_id: number;
	message?: {
		message_id: number;
		chat: {id: number; username?: string};
		from?: {id: number; username?: string; first_name?: string};
		text?: string;
		reply_to_message?: {message_id: number};
	};
};

type Called = {ok: true; result: unknown} | {ok: false; failure: SendOutcome & {ok: false}} | {ok: 'aborted'};

/**
 * The two Bot API methods spool uses, sendMessage and getUpdates, over POST with JSON. The token is in
 * every URL (/bot<TOKEN>/METHOD): the URL is built here and goes nowhere else, and what is said of a
 * failure names "Telegram", never the URL.
 */
export class TelegramApi {
	readonly #config: TelegramConfig;

	constructor(config: TelegramConfig) {
		this.#config = config;
	}

	/** The bot's own id, the part of the token before the colon: not a secret, and what the offset file is kept for. */
	get botId(): string {
		return this.#config.botToken.split(':')[0]!;
	}

	async sendMessage(params: {text: string; replyTo?: number}, options: {timeoutMs: number; signal: AbortSignal}): Promise<SendOutcome | 'aborted'> {
		const called = await this.#call('sendMessage', {
			chat_id: this.#config.chatId,
			text: params.text,
			link_preview_options: {is_disabled: true},
			...(params.replyTo === undefined ? {} : {reply_parameters: {message_id: params.replyTo, allow_sending_without_reply: true}}),
		}, options);
		if (called.ok === 'aborted') {
			return 'aborted';
		}

		if (!called.ok) {
			return called.failure;
		}

		const messageId = (called.result as {message_id?: unknown} | null)?.message_id;
		return {ok: true, ...(typeof messageId === 'number' ? {messageId} : {})};
	}

	/** Long-polls for updates after `offset`; the request waits up to `timeoutSeconds` on the server, plus `timeoutMs` of its own. */
	async getUpdates(offset: number, timeoutSeconds: number, options: {timeoutMs: number; signal: AbortSignal}): Promise<{updates: TelegramUpdate[]} | {failure: SendOutcome & {ok: false}} | 'aborted'> {
		const called = await this.#call('getUpdates', {offset, timeout: timeoutSeconds, allowed_updates: ['message']}, {...options, timeoutMs: options.timeoutMs + timeoutSeconds * 1000});
		if (called.ok === 'aborted') {
			return 'aborted';
		}

		if (!called.ok) {
			return {failure: called.failure};
		}

		return {updates: Array.isArray(called.result) ? (called.result as TelegramUpdate[]).filter(update => typeof update?.update_id === 'number') : []};
	}

	async #call(method: string, params: unknown, options: {timeoutMs: number; signal: AbortSignal}): Promise<Called> {
		const url = `${this.#config.apiBase.replace(/\/+$/, '')}/bot${this.#config.botToken}/${method}`;
		const answer = await postJson(url, params, options);
		if (answer.kind === 'aborted') {
			return {ok: 'aborted'};
		}

		const what = `Telegram (${method})`;
		if (answer.kind !== 'answered') {
			return {ok: false, failure: failureOf(answer, what)};
		}

		let json: {ok?: unknown; result?: unknown; description?: unknown; parameters?: {retry_after?: unknown}} | undefined;
		try {
			json = JSON.parse(answer.body) as typeof json;
		} catch {
			json = undefined;
		}

		if (answer.status === 200 && json?.ok === true) {
			return {ok: true, result: json.result};
		}

		const retryAfter = json?.parameters?.retry_after;
		const said = typeof json?.description === 'string' ? json.description : answer.status === 200 ? 'an answer that is not the Bot API\'s' : undefined;
		const failed = {...answer, status: answer.status === 200 ? 502 : answer.status, retryAfterMs: typeof retryAfter === 'number' ? retryAfter * 1000 : answer.retryAfterMs};
		return {ok: false, failure: failureOf(failed, what, said)};
	}
}
