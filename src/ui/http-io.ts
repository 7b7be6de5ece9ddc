import type http from 'node:http';
import {SpoolError} from '../errors.ts';
import {isObject} from '../queue/read-file.ts';

/** An action's body: a JSON object of a few fields; an answer may have 64 KiB, so this leaves room. */
const MAX_BODY_BYTES = 256 * 1024;

/** The HTTP status of each error code an answer can carry; any other code is the server's fault (500). */
const STATUS_OF: Record<string, number> = {
	bad_query: 400,
	bad_body: 400,
	body_too_large: 413,
	empty_answer: 400,
	answer_too_large: 400,
	not_found: 404,
	task_not_found: 404,
	unknown_worker: 404,
	task_ambiguous: 409,
	not_waiting: 409,
	already_answered: 409,
	nothing_to_retry: 409,
	result_unreadable: 409,
};

export function sendJson(response: http.ServerResponse, status: number, value: unknown): void {
	const body = JSON.stringify(value);
	response.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body)});
	response.end(body);
}

/** `{error: {code, message}}`, the one shape of every refusal and failure. */
export function sendError(response: http.ServerResponse, status: number, code: string, message: string): void {
	sendJson(response, status, {error: {code, message}});
}

/** A SpoolError by its code's status; anything else is a 500 that names what broke. */
export function sendFailure(response: http.ServerResponse, error: unknown): void {
	if (error instanceof SpoolError) {
		sendError(response, STATUS_OF[error.code] ?? 500, error.code, error.message);
		return;
	}

	sendError(response, 500, 'internal', `the dashboard failed to answer: ${(error as Error).message}`);
}

/** The body of an action, as a JSON object ({} when empty). */
export async function readJsonBody(request: http.IncomingMessage): Promise<Record<string, unknown>> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > MAX_BODY_BYTES) {
			throw new SpoolError('body_too_large', `the body has more than ${MAX_BODY_BYTES} bytes; an answer may have 64 KiB at most`);
		}

		chunks.push(chunk);
	}

	const text = Buffer.concat(chunks).toString('utf8').trim();
	if (text === '') {
		return {};
	}

	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch (error) {
		throw new SpoolError('bad_body', `the body is not JSON: ${(error as Error).message}`);
	}

	if (!isObject(value)) {
		throw new SpoolError('bad_body', 'the body must be a JSON object, such as {"text": "..."}');
	}

	return value;
}
