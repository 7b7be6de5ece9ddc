import type {Readable} from 'node:stream';
import {readRateLimitInfo, type RateLimitInfo} from '../quota/rate-limit-info.ts';
import type {Tokens} from '../ledger/prices.ts';
import {LineSplitter, type LinePiece} from './line-splitter.ts';
import {StreamUsage} from './stream-usage.ts';
import type {Transcript} from './transcript-file.ts';

/** What claude's stream-json stdout said about the run. */
export type OutputSummary = {
	/** Its `{"type":"result"}` line, if it wrote one. */
	final: Record<string, unknown> | undefined;
	sessionId: string | null;
	model: string | null;
	/** The init event's `apiKeySource`: "none" when the run is logged in with a subscription (OAuth). */
	apiKeySource: string | null;
	/** Lines that were not JSON (a truncated line, stray output). */
	badLines: number;
	/** Lines over the limit, left out: how many, the limit, and the last line's size when it was one. */
	longLines: {count: number; limit: number; lastBytes: number | null};
	/** From a `rate_limit_event` that rejected the request: when the limit resets (epoch ms). */
	rateLimitResetsAt: number | null;
	/** The run's last `rate_limit_event` (a subscription's windows), if it had one. */
	rateLimit: RateLimitInfo | null;
	/** The delay the CLI chose for its last retry of a 429 (it honours `retry-after`). */
	rateLimitRetryMs: number | null;
	/** The tokens the stream's assistant messages showed; null when it showed none. What a stopped run cost is reckoned from them. */
	streamTokens: Tokens | null;
	/** The text of the stream's last assistant message (its text blocks), or null: the answer of a run the CLI stopped at its cap after it. */
	lastText: string | null;
};

/** Called with each event as it is read, for what must be known before the run ends (the API answered). */
export type OnEvent = (event: Record<string, unknown>) => void;

/**
 * Reads stdout to its end: each line is redacted, appended to the transcript and parsed. A line over
 * MAX_LINE_BYTES is never held whole: the transcript gets a marker line in its place.
 */
export async function readOutput(stdout: Readable, transcript: Transcript, redact?: (line: string) => string, onEvent?: OnEvent): Promise<OutputSummary> {
	const splitter = new LineSplitter();
	const summary: OutputSummary = {
		final: undefined,
		sessionId: null,
		model: null,
		apiKeySource: null,
		badLines: 0,
		longLines: {count: 0, limit: splitter.maxBytes, lastBytes: null},
		rateLimitResetsAt: null,
		rateLimit: null,
		rateLimitRetryMs: null,
		streamTokens: null,
		lastText: null,
	};
	const usage = new StreamUsage();
	let messages = 0;
	let lastId: unknown;
	const take = (pieces: LinePiece[]) => {
		for (const piece of pieces) {
			const event = readPiece(piece, summary, transcript, redact);
			if (event?.type === 'assistant') {
				usage.add(event);
				messages++;
			}

			if (event) {
				lastId = followLastText(summary, event, lastId);
			}

			if (event && onEvent) {
				onEvent(event);
			}
		}
	};

	for await (const chunk of stdout) {
		take(splitter.push(chunk as Buffer));
	}

	take(splitter.end());
	summary.streamTokens = messages > 0 ? usage.tokens() : null;
	return summary;
}

function readPiece(piece: LinePiece, summary: OutputSummary, transcript: Transcript, redact: ((line: string) => string) | undefined): Record<string, unknown> | undefined {
	if (piece.kind === 'too-long') {
		summary.longLines.count++;
		summary.longLines.lastBytes = piece.bytes;
		const marker = {type: 'spool', event: 'line_too_long', bytes: piece.bytes, limit: summary.longLines.limit, ...(piece.eventType ? {lineType: piece.eventType} : {})};
		transcript.write(`${JSON.stringify(marker)}\n`);
		return undefined;
	}

	if (piece.text.trim() === '') {
		return undefined;
	}

	summary.longLines.lastBytes = null;
	const line = redact ? redact(piece.text) : piece.text;
	transcript.write(`${line}\n`);
	const event = parseLine(line);
	if (!event) {
		summary.badLines++;
		return undefined;
	}

	if (event.type === 'system' && event.subtype === 'init') {
		summary.sessionId = typeof event.session_id === 'string' ? event.session_id : summary.sessionId;
		summary.model = typeof event.model === 'string' ? event.model : summary.model;
		summary.apiKeySource = typeof event.apiKeySource === 'string' ? event.apiKeySource : summary.apiKeySource;
	} else if (event.type === 'result') {
		summary.final = event;
	} else if (event.type === 'rate_limit_event') {
		const info = readRateLimitInfo(event.rate_limit_info);
		summary.rateLimit = info ?? summary.rateLimit;
		summary.rateLimitResetsAt = (info?.status === 'rejected' ? info.resetsAt : null) ?? summary.rateLimitResetsAt;
	} else if (event.type === 'system' && event.subtype === 'api_retry' && event.error_status === 429) {
		summary.rateLimitRetryMs = typeof event.retry_delay_ms === 'number' ? event.retry_delay_ms : summary.rateLimitRetryMs;
	}

	return event;
}

function parseLine(line: string): Record<string, unknown> | undefined {
	try {
		const value = JSON.parse(line) as unknown;
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Keeps `lastText`: the text of the main thread's last assistant message, and only while nothing came
 * after it but the result line. A subagent's message, a user event (a tool result, an interrupt) or a
 * background task's event after it means the run was not done: the text was no final answer.
 */
function followLastText(summary: OutputSummary, event: Record<string, unknown>, lastId: unknown): unknown {
	if (event.type === 'result' || event.type === 'rate_limit_event') {
		return lastId;
	}

	const message = event.message as {id?: unknown; content?: unknown} | undefined;
	if (event.type !== 'assistant' || (event.parent_tool_use_id !== null && event.parent_tool_use_id !== undefined)) {
		summary.lastText = null;
		return undefined;
	}

	const text = textOf(message?.content);
	if (message?.id !== lastId) {
		summary.lastText = text;
	} else if (text !== null || summary.lastText !== null) {
		summary.lastText = text === null ? summary.lastText : (summary.lastText ?? '') + text;
	}

	return message?.id;
}

/** The text blocks of an assistant message's content, joined; null when it has none. */
function textOf(content: unknown): string | null {
	if (!Array.isArray(content)) {
		return null;
	}

	const texts = content.filter(block => block?.type === 'text' && typeof block.text === 'string').map(block => String(block.text));
	return texts.length > 0 ? texts.join('') : null;
}
