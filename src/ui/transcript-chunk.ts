import fs from 'node:fs';
import {isObject} from '../queue/read-file.ts';

/** At most this much of a transcript per answer; the page asks again from `next` while `more` says so. */
export const CHUNK_BYTES = 512 * 1024;
/** A line longer than this (a tool result holding a large file) reaches the page as its start only. */
export const LINE_BYTES = 256 * 1024;
const HEAD_CHARS = 4000;

export type TranscriptChunk = {
	/** Where this chunk starts; 0 with `reset` when the file is shorter than the offset asked for (a new run's transcript). */
	offset: number;
	/** Where the next chunk starts: after the last whole line read. */
	next: number;
	size: number;
	more: boolean;
	reset: boolean;
	/** The whole lines that are JSON objects, parsed; a line too long is `{type: "spool-ui", subtype: "line_too_long", bytes, head}`. */
	events: Array<Record<string, unknown>>;
};

/**
 * The stream-json transcript from byte `offset` on, in whole lines: a page reads it in chunks, then
 * from where it stopped each time the watcher says the file grew. A line still being written is left
 * for the next read.
 */
export function readTranscriptChunk(file: string, offset: number, maxBytes = CHUNK_BYTES): TranscriptChunk {
	let fd: number;
	try {
		fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	} catch {
		return {offset: 0, next: 0, size: 0, more: false, reset: offset > 0, events: []};
	}

	try {
		const {size} = fs.fstatSync(fd);
		const reset = offset > size;
		const start = reset ? 0 : offset;
		const events: Array<Record<string, unknown>> = [];
		let position = start;
		while (position < size && position - start < maxBytes) {
			const line = readLine(fd, position, size);
			if (line === undefined) {
				break; // No newline yet: the line is still being written.
			}

			position = line.next;
			const event = line.tooLong === undefined ? parseObject(line.text) : {type: 'spool-ui', subtype: 'line_too_long', bytes: line.tooLong, head: line.text.slice(0, HEAD_CHARS)};
			if (event) {
				events.push(event);
			}
		}

		return {offset: start, next: position, size, more: position < size && readLine(fd, position, size) !== undefined, reset, events};
	} finally {
		fs.closeSync(fd);
	}
}

/** The line that starts at `position`: its text (only its start when it is past LINE_BYTES) and where the next begins; undefined with no newline yet. */
function readLine(fd: number, position: number, size: number): {text: string; next: number; tooLong?: number} | undefined {
	const buffer = Buffer.alloc(Math.min(LINE_BYTES, size - position));
	const read = fs.readSync(fd, buffer, 0, buffer.length, position);
	const newline = buffer.subarray(0, read).indexOf(10);
	if (newline !== -1) {
		return {text: buffer.subarray(0, newline).toString('utf8'), next: position + newline + 1};
	}

	if (read < LINE_BYTES) {
		return undefined;
	}

	// A giant line: find its end a block at a time, keeping only its start.
	const block = Buffer.alloc(1024 * 1024);
	for (let at = position + read; at < size; ) {
		const got = fs.readSync(fd, block, 0, block.length, at);
		if (got === 0) {
			break;
		}

		const end = block.subarray(0, got).indexOf(10);
		if (end !== -1) {
			return {text: buffer.toString('utf8'), next: at + end + 1, tooLong: at + end - position};
		}

		at += got;
	}

	return undefined;
}

function parseObject(line: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(line);
		return isObject(value) ? value : undefined;
	} catch {
		return undefined;
	}
}
