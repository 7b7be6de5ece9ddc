import readline from 'node:readline';
import type {Readable, Writable} from 'node:stream';

/*
 * The MCP stdio transport: JSON-RPC 2.0, one message per line on stdin and stdout. Nothing else may be
 * written to stdout. Requests are served side by side (a long wait_for_result never holds up a ping), and
 * a request the client cancels (notifications/cancelled) has its signal aborted and is not answered.
 */

export type RequestId = string | number;

export type Incoming = {method: string; params: Record<string, unknown>};

export type Handlers = {
	/** Answers a request; a JsonRpcError becomes the error reply, any other throw an internal error. */
	request(message: Incoming, signal: AbortSignal): Promise<unknown>;
	notification(message: Incoming): void;
	/** A failure the client only sees as an internal error. */
	onError(error: unknown, method: string): void;
};

/** The JSON-RPC error codes this server answers with. */
export const ERROR_CODES = {parseError: -32_700, invalidRequest: -32_600, methodNotFound: -32_601, invalidParams: -32_602, internalError: -32_603} as const;

export class JsonRpcError extends Error {
	readonly code: number;

	constructor(code: number, message: string) {
		super(message);
		this.code = code;
	}
}

/** Serves JSON-RPC lines from `input` until it ends, then aborts what is still running. */
export async function serveLines(input: Readable, output: Writable, handlers: Handlers): Promise<void> {
	const running = new Map<RequestId, AbortController>();
	const send = (message: Record<string, unknown>) => output.write(`${JSON.stringify({jsonrpc: '2.0', ...message})}\n`);
	const answer = async (id: RequestId, message: Incoming) => {
		const controller = new AbortController();
		running.set(id, controller);
		try {
			const result = await handlers.request(message, controller.signal);
			// A request the client cancelled gets no reply (the MCP rule); nor does one still running when it left.
			if (!controller.signal.aborted) {
				send({id, result});
			}
		} catch (error) {
			if (!(error instanceof JsonRpcError)) {
				handlers.onError(error, message.method);
			}

			const code = error instanceof JsonRpcError ? error.code : ERROR_CODES.internalError;
			send({id, error: {code, message: error instanceof Error ? error.message : String(error)}});
		} finally {
			running.delete(id);
		}
	};

	// A client that went away leaves a closed pipe: EPIPE is told, never thrown.
	output.on('error', error => handlers.onError(error, 'write'));
	const lines = readline.createInterface({input, crlfDelay: Number.POSITIVE_INFINITY});
	for await (const line of lines) {
		if (line.trim() === '') {
			continue;
		}

		const parsed = parseMessage(line);
		if ('error' in parsed) {
			send({id: parsed.id, error: parsed.error});
		} else if (parsed.id === undefined) {
			if (parsed.message.method === 'notifications/cancelled') {
				running.get(parsed.message.params.requestId as RequestId)?.abort();
			}

			try {
				handlers.notification(parsed.message);
			} catch (error) {
				handlers.onError(error, parsed.message.method);
			}
		} else {
			void answer(parsed.id, parsed.message);
		}
	}

	for (const controller of running.values()) {
		controller.abort();
	}
}

type Parsed = {id?: RequestId; message: Incoming} | {id: RequestId | null; error: {code: number; message: string}};

function parseMessage(line: string): Parsed {
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch (error) {
		return {id: null, error: {code: ERROR_CODES.parseError, message: `not JSON: ${(error as Error).message}`}};
	}

	const message = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
	const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
	const params = message.params ?? {};
	if (message.jsonrpc !== '2.0' || typeof message.method !== 'string' || ('id' in message && id === undefined) || typeof params !== 'object' || params === null) {
		// A reply to a request of ours would land here, but this server sends none.
		return {id: id ?? null, error: {code: ERROR_CODES.invalidRequest, message: 'expected a JSON-RPC 2.0 request: {"jsonrpc": "2.0", "id": ..., "method": "...", "params": {...}}'}};
	}

	return {id, message: {method: message.method, params: params as Record<string, unknown>}};
}
