import {isObject} from '../queue/read-file.ts';
import type {Tokens} from '../ledger/prices.ts';

/** Roughly four characters of text or JSON a token: for the output a stream shows only in its content. */
const CHARS_PER_TOKEN = 4;

/**
 * The tokens a run's stream showed, for a run stopped before its result line (which carries the real
 * sums): each assistant message counted once by its id. A message's usage is the one of its start, so its
 * output tokens are read from its content (text, thinking, tool input) when that says more.
 */
export class StreamUsage {
	readonly #messages = new Map<string, {input: number; cacheRead: number; cacheWrite: number; output: number; chars: number}>();

	/** One `{"type":"assistant"}` event of the stream. */
	add(event: Record<string, unknown>): void {
		const message = isObject(event.message) ? event.message : undefined;
		const id = typeof message?.id === 'string' ? message.id : undefined;
		if (!message || !id) {
			return;
		}

		const usage = isObject(message.usage) ? message.usage : {};
		const read = (key: string) => (typeof usage[key] === 'number' && Number.isFinite(usage[key]) ? usage[key] : 0);
		const known = this.#messages.get(id);
		this.#messages.set(id, {
			input: Math.max(known?.input ?? 0, read('input_tokens')),
			cacheRead: Math.max(known?.cacheRead ?? 0, read('cache_read_input_tokens')),
			cacheWrite: Math.max(known?.cacheWrite ?? 0, read('cache_creation_input_tokens')),
			output: Math.max(known?.output ?? 0, read('output_tokens')),
			chars: (known?.chars ?? 0) + contentChars(message.content),
		});
	}

	tokens(): Tokens {
		const sum: Tokens = {input: 0, output: 0, cacheRead: 0, cacheWrite: 0};
		for (const message of this.#messages.values()) {
			sum.input += message.input;
			sum.cacheRead += message.cacheRead;
			sum.cacheWrite += message.cacheWrite;
			sum.output += Math.max(message.output, Math.ceil(message.chars / CHARS_PER_TOKEN));
		}

		return sum;
	}
}

function contentChars(content: unknown): number {
	if (!Array.isArray(content)) {
		return 0;
	}

	let chars = 0;
	for (const block of content) {
		if (isObject(block)) {
			chars += typeof block.text === 'string' ? block.text.length : 0;
			chars += typeof block.thinking === 'string' ? block.thinking.length : 0;
			chars += block.type === 'tool_use' ? JSON.stringify(block.input ?? {}).length : 0;
		}
	}

	return chars;
}
