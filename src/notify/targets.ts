import {createHash} from 'node:crypto';
import type {NotifyConfig} from '../config/schema.ts';
import {failureOf, type SendOutcome} from './delivery.ts';
import type {OutboxEntry} from './entry.ts';
import {formatEvent} from './format.ts';
import {postJson} from './post.ts';
import {TelegramApi} from './telegram-api.ts';

/**
 * One place an entry goes. `key` names its delivery in the entry and stays the same while the target
 * does (a webhook by its host and a hash of its URL, never the URL, which may hold a secret); `label`
 * is what logs and spool status say.
 */
export type Target = {
	key: string;
	label: string;
	kind: 'telegram' | 'webhook';
	send(entry: OutboxEntry, options: {timeoutMs: number; signal: AbortSignal}): Promise<SendOutcome | 'aborted'>;
};

/** The targets of the notify section as it is now, Telegram first. */
export function targetsOf(notify: NotifyConfig, home: string): Target[] {
	const targets: Target[] = [];
	if (notify.telegram) {
		const api = new TelegramApi(notify.telegram);
		targets.push({
			key: telegramKey(notify.telegram.chatId),
			label: `telegram chat ${notify.telegram.chatId}`,
			kind: 'telegram',
			send: async (entry, options) => api.sendMessage({text: formatEvent(entry.event, {home, replyable: true})}, options),
		});
	}

	for (const webhook of notify.webhooks) {
		const {host} = new URL(webhook.url);
		const label = `webhook ${host} (${webhook.format})`;
		targets.push({
			key: `webhook:${host}:${createHash('sha256').update(webhook.url).digest('hex').slice(0, 10)}`,
			label,
			kind: 'webhook',
			async send(entry, options) {
				const body = webhook.format === 'slack' ? {text: formatEvent(entry.event, {home, replyable: false})} : entry.event;
				// The entry's id lets a receiver drop the one delivery a crash may repeat.
				const answer = await postJson(webhook.url, body, {...options, headers: {'x-spool-event-id': entry.id, 'user-agent': 'spool'}});
				if (answer.kind === 'aborted') {
					return 'aborted';
				}

				return answer.kind === 'answered' && answer.status >= 200 && answer.status < 300 ? {ok: true} : failureOf(answer, label);
			},
		});
	}

	return targets;
}

export function telegramKey(chatId: string): string {
	return `telegram:${chatId}`;
}
