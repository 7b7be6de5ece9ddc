import fs from 'node:fs';
import path from 'node:path';
import {openForAppend} from '../queue/read-file.ts';

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
		fd = openForAppend(file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
			throw error;
		}

		fs.mkdirSync(path.dirname(file), {recursive: true});
		fd = openForAppend(file);
	}

	try {
		const written = fs.writeSync(fd, bytes);
		if (written !== bytes.length) {
			throw new Error(`only ${written} of ${bytes.length} bytes of a line reached ${file} (a full disk?)`);
		}
	} finally {
		fs.closeSync(fd);
	}
}
