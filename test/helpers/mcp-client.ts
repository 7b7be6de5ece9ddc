import {EventEmitter, once} from 'node:events';
import readline from 'node:readline';
import {execa, type ResultPromise} from 'execa';
import {SPOOL_BIN} from './home.ts';

export type RpcReply = {jsonrpc: '2.0'; id: string | number | null; result?: any; error?: {code: number; message: string}};

export type ToolReply = {text: string; isError: boolean; json?: any};

/**
 * `spool mcp` as a client sees it: the real process, JSON-RPC lines written to its stdin and read from its
 * stdout. Every stdout line must be a JSON-RPC message; anything else fails the test.
 */
export class McpClient {
	readonly process: ResultPromise<{stdin: 'pipe'; stdout: 'pipe'; stderr: 'pipe'; reject: false}>;
	readonly replies: RpcReply[] = [];
	readonly strayLines: string[] = [];
	stderr = '';
	#nextId = 1;
	#exited = false;
	#events = new EventEmitter();

	constructor(home: string, env: Record<string, string> = {}) {
		this.process = execa(process.execPath, [SPOOL_BIN, 'mcp'], {stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', reject: false, env: {SPOOL_HOME: home, ...env}});
		readline.createInterface({input: this.process.stdout}).on('line', line => {
			try {
				const message = JSON.parse(line) as RpcReply;
				if (message.jsonrpc === '2.0') {
					this.replies.push(message);
				} else {
					this.strayLines.push(line);
				}
			} catch {
				this.strayLines.push(line);
			}

			this.#events.emit('line');
		});
		this.process.stderr.on('data', chunk => {
			this.stderr += String(chunk);
		});
		void this.process.then(() => {
			this.#exited = true;
			this.#events.emit('line');
		});
	}

	/** Writes one raw line (a test may send garbage). */
	send(line: string): void {
		this.process.stdin.write(`${line}\n`);
	}

	notify(method: string, params: Record<string, unknown> = {}): void {
		this.send(JSON.stringify({jsonrpc: '2.0', method, params}));
	}

	/** Sends a request and resolves with its reply; `id` lets a test cancel it. */
	async request(method: string, params?: Record<string, unknown>, id: string | number = this.#nextId++): Promise<RpcReply> {
		this.send(JSON.stringify({jsonrpc: '2.0', id, method, ...(params ? {params} : {})}));
		return this.reply(message => message.id === id);
	}

	async callTool(name: string, args: Record<string, unknown>, id?: string | number): Promise<ToolReply> {
		const reply = await this.request('tools/call', {name, arguments: args}, id);
		if (reply.error) {
			throw new Error(`tools/call ${name}: JSON-RPC error ${reply.error.code}: ${reply.error.message}`);
		}

		const text = (reply.result.content as Array<{type: string; text: string}>).map(block => block.text).join('');
		let json: unknown;
		try {
			json = JSON.parse(text);
		} catch {}

		return {text, isError: reply.result.isError === true, json};
	}

	async initialize(protocolVersion = '2025-11-25'): Promise<RpcReply> {
		const reply = await this.request('initialize', {protocolVersion, capabilities: {}, clientInfo: {name: 'spool-test', version: '1'}});
		this.notify('notifications/initialized');
		return reply;
	}

	/** The first reply that matches, waiting up to `timeoutMs` for it. */
	async reply(matches: (message: RpcReply) => boolean, timeoutMs = 20_000): Promise<RpcReply> {
		const signal = AbortSignal.timeout(timeoutMs);
		for (;;) {
			const found = this.replies.find(message => matches(message));
			if (found) {
				return found;
			}

			if (this.#exited) {
				throw new Error(`spool mcp exited without the reply; stderr:\n${this.stderr}`);
			}

			await once(this.#events, 'line', {signal}).catch(() => {
				throw new Error(`no matching reply within ${timeoutMs} ms; stderr:\n${this.stderr}`);
			});
		}
	}

	/** Closes stdin, as a client that goes away does, and waits for the server to exit. */
	async close() {
		this.process.stdin.end();
		return this.process;
	}
}
