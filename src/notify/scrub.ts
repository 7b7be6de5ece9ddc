import {TOKEN_SHAPE} from '../config/format-issues.ts';
import type {NotifyConfig} from '../config/schema.ts';
import {createRedactor} from '../worker/redact.ts';

export type Scrubber = (text: string) => string;

/**
 * What the sender runs over every error text before it is logged or stored in an entry: the bot token
 * (which is in every Bot API URL, and so in a fetch error that quotes its URL) and each webhook URL,
 * whole and by its path (a Slack webhook's path is its secret), in every encoded form, and any string
 * shaped like a bot token.
 */
export function createScrubber(notify: Pick<NotifyConfig, 'telegram' | 'webhooks'> | undefined): Scrubber {
	const secrets: string[] = [];
	if (notify?.telegram) {
		secrets.push(notify.telegram.botToken, encodeURIComponent(notify.telegram.botToken));
	}

	for (const {url} of notify?.webhooks ?? []) {
		const parsed = new URL(url);
		secrets.push(url, parsed.href, `${parsed.pathname}${parsed.search}`);
	}

	// A path of "/" or "/hook" is no secret and would blank every slash: only long ones are replaced.
	const redact = createRedactor(secrets.filter(secret => secret.length >= 12));
	return text => redact(text).replaceAll(TOKEN_SHAPE, '[redacted]');
}

/** An error's message with its causes (fetch hides the reason in `cause`), as one line. */
export function describeError(error: unknown): string {
	const parts: string[] = [];
	for (let current = error, depth = 0; current !== undefined && current !== null && depth < 4; current = (current as {cause?: unknown}).cause, depth++) {
		const {message, code} = current as {message?: unknown; code?: unknown};
		parts.push(typeof message === 'string' && message !== '' ? (typeof code === 'string' && !message.includes(code) ? `${message} (${code})` : message) : String(current));
	}

	return parts.join(': ');
}
