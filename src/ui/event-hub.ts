import type http from 'node:http';

/** A comment line every so often keeps proxies (and SSH tunnels' idle timers) from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

/**
 * GET /api/events: server-sent events to every open page. The one watcher of the home tells the hub
 * what changed, and the hub tells every page at once; a page then asks for what it shows.
 */
export class EventHub {
	readonly #clients = new Set<http.ServerResponse>();
	readonly #heartbeat: NodeJS.Timeout;

	constructor() {
		this.#heartbeat = setInterval(() => this.#write(': ping\n\n'), HEARTBEAT_MS);
		this.#heartbeat.unref();
	}

	get size(): number {
		return this.#clients.size;
	}

	/** Takes over the response as an event stream until the page goes. */
	add(request: http.IncomingMessage, response: http.ServerResponse): void {
		response.writeHead(200, {'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no'});
		// A page that lost the stream comes back within a second; `hello` tells it to read everything again.
		response.write(`retry: 1000\nevent: hello\ndata: {}\n\n`);
		this.#clients.add(response);
		const remove = () => this.#clients.delete(response);
		request.on('close', remove);
		response.on('error', remove);
	}

	send(event: string, data: unknown): void {
		this.#write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
	}

	/** Ends every stream: the server is closing. */
	close(): void {
		clearInterval(this.#heartbeat);
		for (const client of this.#clients) {
			client.end();
		}

		this.#clients.clear();
	}

	#write(text: string): void {
		for (const client of this.#clients) {
			client.write(text);
		}
	}
}
