import fs from 'node:fs';
import path from 'node:path';
import {openForAppend} from './read-file.ts';

/**
 * The longest line appended: a write(2) of at most PIPE_BUF (4096) bytes to a file opened with O_APPEND
 * lands whole and after every earlier line, even from many processes and containers on one filesystem,
 * and a line is never rewritten. Callers keep their records far below it.
 */
export const MAX_LINE_BYTES = 4000;

/** Appends one JSON record as one line with one write; creates the file and its folder when missing. */
export function appendJsonLine(file: string, record: unknown): void {
	const line = `${JSON.stringify(record)}\n`;
	const bytes = Buffer.from(line);
	if (bytes.length > MAX_LINE_BYTES) {
		throw new RangeError(`a line for ${file} is ${bytes.length} bytes, over the ${MAX_LINE_BYTES} one write appends whole`);
	}

	let fd: number;
	try {
		fd = openForAppend(file, {readable: true});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
			throw error;
		}

		fs.mkdirSync(path.dirname(file), {recursive: true});
		fd = openForAppend(file, {readable: true});
	}

	try {
		// A line a crash or a full disk left half-written is ended first, so it costs only itself, not also
		// this line (a reader would see the two as one bad line). A blank line that a race may add is skipped.
		const {size} = fs.fstatSync(fd);
		const last = Buffer.alloc(1);
		const ended = size === 0 || (fs.readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a);
		const line = ended ? bytes : Buffer.concat([Buffer.from('\n'), bytes]);
		const written = fs.writeSync(fd, line);
		if (written < line.length) {
			throw new Error(`only ${written} of ${line.length} bytes of a line reached ${file} (a full disk?)`);
		}
	} finally {
		fs.closeSync(fd);
	}
}
