/**
 * The longest line of claude's stdout that spool reads whole: 16 MiB. A line is held as bytes, joined,
 * decoded (a string of up to twice its bytes), redacted and parsed: about 4x its size at the peak, per
 * running task, so 16 MiB keeps one run near 64 MB while leaving twice the room of the largest event seen
 * in practice (a tool result holding an 8 MB file). A reply cannot come near it: the API caps one at
 * 128k output tokens, well under 1 MB. Past the limit nothing is safe to hold: V8 refuses strings over
 * 512 MiB, which is how readline crashed the worker on a 700 MB line.
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/** How much of a too-long line is kept to tell what kind of event it was. */
const HEAD_BYTES = 64;

export type LinePiece = {kind: 'line'; text: string} | {kind: 'too-long'; bytes: number; eventType: string | null};

/**
 * Cuts a byte stream into lines at "\n" (a "\r" before it is dropped) without ever holding more than
 * `maxBytes` of one line: past the limit the line's bytes are counted and let go, and the line comes out
 * as a `too-long` piece. Splitting bytes, not text, keeps a character cut across two chunks whole:
 * byte 0x0A never occurs inside a multi-byte UTF-8 sequence.
 */
export class LineSplitter {
	readonly maxBytes: number;
	#parts: Buffer[] = [];
	#bytes = 0;
	#head: Buffer | undefined;

	constructor(maxBytes = MAX_LINE_BYTES) {
		this.maxBytes = maxBytes;
	}

	/** The lines this chunk completes, in order. */
	push(chunk: Buffer): LinePiece[] {
		const pieces: LinePiece[] = [];
		let start = 0;
		for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
			this.#append(chunk.subarray(start, end));
			pieces.push(this.#take());
			start = end + 1;
		}

		if (start < chunk.length) {
			this.#append(start === 0 ? chunk : chunk.subarray(start));
		}

		return pieces;
	}

	/** The last line, when the stream ended without a newline after it. */
	end(): LinePiece[] {
		return this.#bytes > 0 ? [this.#take()] : [];
	}

	#append(bytes: Buffer): void {
		if (bytes.length === 0) {
			return;
		}

		this.#bytes += bytes.length;
		if (this.#head) {
			return; // Past the limit: only counted.
		}

		if (this.#bytes > this.maxBytes) {
			this.#head = Buffer.concat([...this.#parts, bytes.subarray(0, HEAD_BYTES)]).subarray(0, HEAD_BYTES);
			this.#parts = [];
			return;
		}

		this.#parts.push(bytes);
	}

	#take(): LinePiece {
		const piece: LinePiece = this.#head
			? {kind: 'too-long', bytes: this.#bytes, eventType: sniffEventType(this.#head)}
			: {kind: 'line', text: decodeLine(this.#parts, this.#bytes)};
		this.#parts = [];
		this.#bytes = 0;
		this.#head = undefined;
		return piece;
	}
}

function decodeLine(parts: Buffer[], bytes: number): string {
	const text = parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts, bytes).toString('utf8');
	return text.endsWith('\r') ? text.slice(0, -1) : text;
}

/** The CLI writes `type` first in its message events ({"type":"user",...}); anything else is unknown. */
function sniffEventType(head: Buffer): string | null {
	return /^\{"type":"([a-z_]{1,32})"/.exec(head.toString('latin1'))?.[1] ?? null;
}
