import fs from 'node:fs';
import {openForAppend} from '../queue/read-file.ts';

/** While the log file cannot be written, up to this much of the lines logged meanwhile wait in memory. */
export const LOG_BACKLOG_BYTES = 1024 * 1024;

/** How often a log file that could not be written is tried again. */
const RETRY_MS = 1000;

export type LogFileOptions = {
	/** The logger's name, for the line that counts the lines dropped. */
	name: string;
	/** @default LOG_BACKLOG_BYTES */
	backlogBytes?: number;
	/** @default 1000 */
	retryMs?: number;
	/** Where a failure and the recovery are told, one line each. @default process.stderr */
	warn?: (text: string) => void;
};

/**
 * logs/NAME.log as a pino destination that survives its own write errors. A worker must never die of
 * its log: on ENOSPC pino's SonicBoom emitted an 'error' nobody handled, and its exit handler then
 * retried the write every 100 ms until there was room, a worker that neither worked nor exited.
 *
 * Lines are appended with plain writes, as the transcript is (a few lines per task, no thread pool).
 * When a write fails (a full disk, a quota, EIO), one line on stderr says so and why; the lines that
 * follow are kept in memory up to `backlogBytes` (the oldest first, so the log tells what led to the
 * failure), and past that dropped and counted. Every `retryMs` the backlog is written again; once it
 * is through, a line in the file says how many were dropped, stderr says logging is back, and lines
 * go straight to the file again. stderr itself still receives every line, from pino.multistream.
 */
export class LogFile {
	readonly #file: string;
	readonly #options: Required<LogFileOptions>;
	#fd: number | undefined;
	#backlog: Buffer[] = [];
	#backlogBytes = 0;
	#dropped = 0;
	#failing = false;
	#timer: NodeJS.Timeout | undefined;

	constructor(file: string, options: LogFileOptions) {
		this.#file = file;
		this.#options = {backlogBytes: LOG_BACKLOG_BYTES, retryMs: RETRY_MS, warn: text => process.stderr.write(text), ...options};
		try {
			this.#fd = openForAppend(file);
		} catch (error) {
			this.#fail(error as Error);
		}
	}

	write(line: string): boolean {
		if (this.#failing) {
			this.#keep(Buffer.from(line));
			return true;
		}

		const rest = this.#writeOut(line);
		if (rest) {
			this.#keep(rest.unwritten);
			this.#fail(rest.error);
		}

		return true;
	}

	/** pino calls it on flush and at exit: one more try at the backlog, no waiting. */
	flushSync(): void {
		if (this.#failing) {
			this.#retry();
		}
	}

	/** Stops retrying (the backlog is let go) and closes the file. Safe to call twice. */
	close(): void {
		clearInterval(this.#timer);
		this.#timer = undefined;
		if (this.#fd !== undefined) {
			fs.closeSync(this.#fd);
			this.#fd = undefined;
		}
	}

	/** Writes all of `data`, or hands back what is left and why (a full disk can take part of a line). */
	#writeOut(data: string | Buffer): {unwritten: Buffer; error: Error} | undefined {
		let rest: Buffer | undefined;
		try {
			this.#fd ??= openForAppend(this.#file);
			rest = typeof data === 'string' ? bytesAfter(data, fs.writeSync(this.#fd, data)) : data;
			while (rest.length > 0) {
				rest = rest.subarray(fs.writeSync(this.#fd, rest));
			}

			return undefined;
		} catch (error) {
			return {unwritten: rest ?? Buffer.from(data), error: error as Error};
		}
	}

	#keep(line: Buffer): void {
		if (this.#backlogBytes + line.length > this.#options.backlogBytes) {
			this.#dropped++;
			return;
		}

		this.#backlog.push(line);
		this.#backlogBytes += line.length;
	}

	#fail(error: Error): void {
		this.#failing = true;
		const limit = `${Math.round(this.#options.backlogBytes / 1024)} KiB`;
		this.#options.warn(`spool: cannot write the log file ${this.#file} (${error.message}); keeping up to ${limit} of log lines in memory, dropping the rest, and trying again every ${this.#options.retryMs} ms\n`);
		this.#timer ??= setInterval(() => this.#retry(), this.#options.retryMs);
		this.#timer.unref();
	}

	#retry(): void {
		while (this.#backlog.length > 0) {
			const rest = this.#writeOut(this.#backlog[0]!);
			if (rest) {
				this.#backlogBytes -= this.#backlog[0]!.length - rest.unwritten.length;
				this.#backlog[0] = rest.unwritten;
				return;
			}

			this.#backlogBytes -= this.#backlog.shift()!.length;
		}

		const dropped = this.#dropped;
		if (dropped > 0) {
			this.#dropped = 0;
			const notice = {level: 40, time: new Date().toISOString(), name: this.#options.name, dropped, msg: 'log lines were dropped while the log file could not be written'};
			const rest = this.#writeOut(`${JSON.stringify(notice)}\n`);
			if (rest) {
				this.#keep(rest.unwritten);
				return;
			}
		}

		this.#failing = false;
		clearInterval(this.#timer);
		this.#timer = undefined;
		this.#options.warn(`spool: writing the log file ${this.#file} again${dropped > 0 ? `; ${dropped} lines were dropped meanwhile` : ''}\n`);
	}
}

/** The bytes of `text` past the first `written`: none, and no copy, in the common case of a whole write. */
function bytesAfter(text: string, written: number): Buffer {
	return written === Buffer.byteLength(text) ? Buffer.alloc(0) : Buffer.from(text).subarray(written);
}
