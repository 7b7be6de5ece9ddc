import fs from 'node:fs';

export type RegularRead =
	| {kind: 'text'; text: string; stat: fs.Stats}
	| {kind: 'not-a-file'; stat: fs.Stats}
	| {kind: 'too-large'; stat: fs.Stats}
	| {kind: 'gone'};

/**
 * Reads a file spool found by name without following a symlink, opening a FIFO or device, or reading
 * past `maxBytes`: lstat first (such an entry is named, never opened), then open with O_NOFOLLOW and
 * O_NONBLOCK in case it was swapped in between, and fstat the open file before reading it. One small
 * read as plain system calls (see atomic-write.ts).
 */
export function readRegularFile(file: string, maxBytes: number): RegularRead {
	let stat: fs.Stats | undefined;
	try {
		stat = fs.lstatSync(file, {throwIfNoEntry: false});
		if (!stat) {
			return {kind: 'gone'};
		}

		if (!stat.isFile()) {
			return {kind: 'not-a-file', stat};
		}

		const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
		try {
			const opened = fs.fstatSync(fd);
			if (!opened.isFile()) {
				return {kind: 'not-a-file', stat: opened};
			}

			return opened.size > maxBytes ? {kind: 'too-large', stat: opened} : {kind: 'text', text: fs.readFileSync(fd, 'utf8'), stat: opened};
		} finally {
			fs.closeSync(fd);
		}
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') {
			return {kind: 'gone'};
		}

		if (code === 'ELOOP' && stat) {
			return {kind: 'not-a-file', stat: fs.lstatSync(file)};
		}

		throw error;
	}
}

/** The JSON value of a small state file spool wrote; undefined when it is missing, no regular file, too large or not JSON. */
export function readJsonFile(file: string, maxBytes = 1024 * 1024): unknown {
	try {
		const read = readRegularFile(file, maxBytes);
		return read.kind === 'text' ? (JSON.parse(read.text) as unknown) : undefined;
	} catch {
		return undefined;
	}
}
