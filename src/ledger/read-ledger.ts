import fs from 'node:fs';
import {isErrnoCode} from '../errors.ts';
import {parseLedgerLine, type LedgerEntry} from './entry.ts';

/** What reading one ledger file found: its runs went to the visitor, lines that are not one were counted; `offset` is where the whole lines read end. */
export type LedgerRead = {lines: number; badLines: number; offset: number};

/** At most this much of a ledger is held at once: a busy day's file is read a piece at a time. */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Hands each run of one ledger file (ledger/DATE.jsonl) to `visit`, in the order appended. Whole lines
 * only: a line without its newline yet is one a writer is appending now, read next time (as the tally
 * does). A line that does not parse is skipped and counted. A missing file is a day without runs.
 * `from`: a byte offset where a line starts, to read only what came after an earlier read.
 */
export function readLedgerFile(file: string, visit: (entry: LedgerEntry) => void, from = 0): LedgerRead {
	const read: LedgerRead = {lines: 0, badLines: 0, offset: from};
	let fd: number;
	try {
		fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT', 'ENOTDIR')) {
			return read;
		}

		throw error;
	}

	try {
		const {size} = fs.fstatSync(fd);
		let offset = from;
		while (offset < size) {
			const length = Math.min(READ_CHUNK_BYTES, size - offset);
			const buffer = Buffer.allocUnsafe(length);
			const got = fs.readSync(fd, buffer, 0, length, offset);
			const end = buffer.lastIndexOf(0x0a, got - 1);
			if (end < 0) {
				// No newline in a whole chunk: a line longer than any spool writes, or the half line at the end.
				if (length === READ_CHUNK_BYTES) {
					read.badLines++;
					offset = skipPastNewline(fd, offset + got, size);
					read.offset = offset;
					continue;
				}

				break;
			}

			for (const line of buffer.toString('utf8', 0, end).split('\n')) {
				if (line.trim() === '') {
					continue;
				}

				const entry = parseLedgerLine(line);
				if (entry) {
					read.lines++;
					visit(entry);
				} else {
					read.badLines++;
				}
			}

			offset += end + 1;
		}

		read.offset = offset;
		return read;
	} finally {
		fs.closeSync(fd);
	}
}

/** The offset just past the next newline from `from`, or `size` when there is none. */
function skipPastNewline(fd: number, from: number, size: number): number {
	const buffer = Buffer.allocUnsafe(64 * 1024);
	for (let offset = from; offset < size; ) {
		const got = fs.readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
		const newline = buffer.subarray(0, got).indexOf(0x0a);
		if (newline >= 0) {
			return offset + newline + 1;
		}

		offset += got;
	}

	return size;
}
