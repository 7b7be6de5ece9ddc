import fs from 'node:fs';
import type {TaskError} from './error-codes.ts';

/**
 * What a task file may be. Past these a file is rejected with its own code before it is parsed, so a
 * huge or deeply nested file can neither exhaust memory nor overflow the stack in spool or in a later
 * JSON.stringify of the result (metadata is copied into it).
 */
export const TASK_LIMITS = {
	/** 10 MiB: a prompt of a few million words. A larger file is a mistake (a log, a data set), not a task. */
	maxBytes: 10 * 1024 * 1024,
	/** Arrays and objects inside one another. Real tasks nest a handful deep; JSON Schemas a few dozen at most. */
	maxDepth: 64,
} as const;

/** What reading a task file by name found. Non-regular entries are reported, never opened. */
export type TaskFileRead = {kind: 'text'; text: string; size: number; mtimeMs: number} | {kind: 'bad'; error: TaskError; size: number; mtimeMs: number} | {kind: 'gone'};

/**
 * Reads a task file without following a symlink, opening a FIFO or device, or reading past the size
 * limit: lstat first (a symlink or FIFO is named, never opened), then open with O_NOFOLLOW and
 * O_NONBLOCK, in case the entry was swapped in between, and fstat the open file before reading it.
 */
export function readTaskFile(file: string, shownAs: string): TaskFileRead {
	let stat: fs.Stats | undefined;
	try {
		stat = fs.lstatSync(file, {throwIfNoEntry: false});
		if (!stat) {
			return {kind: 'gone'};
		}

		if (!stat.isFile()) {
			return {kind: 'bad', error: notAFile(file, shownAs, stat), size: stat.size, mtimeMs: stat.mtimeMs};
		}

		const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
		try {
			const opened = fs.fstatSync(fd);
			if (!opened.isFile()) {
				return {kind: 'bad', error: notAFile(file, shownAs, opened), size: opened.size, mtimeMs: opened.mtimeMs};
			}

			if (opened.size > TASK_LIMITS.maxBytes) {
				return {kind: 'bad', error: tooLarge(shownAs, opened.size), size: opened.size, mtimeMs: opened.mtimeMs};
			}

			const text = fs.readFileSync(fd, 'utf8');
			return {kind: 'text', text, size: opened.size, mtimeMs: opened.mtimeMs};
		} finally {
			fs.closeSync(fd);
		}
	} catch (error) {
		const code = (error as NodeJS.ErrnoException).code;
		if (code === 'ENOENT') {
			return {kind: 'gone'};
		}

		if (code === 'ELOOP' && stat) {
			return {kind: 'bad', error: {code: 'not_a_file', message: `${shownAs} became a symlink while it was read; spool never follows one`}, size: stat.size, mtimeMs: stat.mtimeMs};
		}

		throw error;
	}
}

/** The depth of the deepest array or object in a JSON text, counted without parsing (no recursion, no stack). */
export function jsonDepth(text: string): number {
	let depth = 0;
	let deepest = 0;
	let inString = false;
	for (let index = 0; index < text.length; index++) {
		const char = text.charCodeAt(index);
		if (inString) {
			if (char === 0x5c) {
				index++; // A backslash escapes the next character.
			} else if (char === 0x22) {
				inString = false;
			}
		} else if (char === 0x22) {
			inString = true;
		} else if (char === 0x7b || char === 0x5b) {
			depth++;
			deepest = Math.max(deepest, depth);
		} else if (char === 0x7d || char === 0x5d) {
			depth--;
		}
	}

	return deepest;
}

/** Why a task text may not be parsed: nested past the limit. */
export function checkDepth(text: string, shownAs: string): TaskError | undefined {
	const depth = jsonDepth(text);
	return depth > TASK_LIMITS.maxDepth ? {code: 'task_too_deep', message: `${shownAs} nests arrays and objects ${depth} deep; a task may nest at most ${TASK_LIMITS.maxDepth} deep`} : undefined;
}

function tooLarge(shownAs: string, size: number): TaskError {
	return {code: 'task_too_large', message: `${shownAs} is ${formatBytes(size)}; a task file may have at most ${formatBytes(TASK_LIMITS.maxBytes)} (put large inputs in a file under the task's cwd and name it in the prompt)`};
}

function notAFile(file: string, shownAs: string, stat: fs.Stats): TaskError {
	const target = stat.isSymbolicLink() ? ` to ${JSON.stringify(readLinkOrUnknown(file))}` : '';
	return {code: 'not_a_file', message: `${shownAs} is a ${describeType(stat)}${target}, not a regular file; spool never opens or follows one`};
}

function describeType(stat: fs.Stats): string {
	if (stat.isSymbolicLink()) {
		return 'symlink';
	}

	if (stat.isFIFO()) {
		return 'FIFO (named pipe)';
	}

	if (stat.isDirectory()) {
		return 'folder';
	}

	if (stat.isSocket()) {
		return 'socket';
	}

	return stat.isCharacterDevice() || stat.isBlockDevice() ? 'device' : 'special file';
}

function readLinkOrUnknown(file: string): string {
	try {
		return fs.readlinkSync(file);
	} catch {
		return '?';
	}
}

export function formatBytes(bytes: number): string {
	if (bytes >= 1024 * 1024) {
		return `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
	}

	return bytes >= 1024 ? `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB` : `${bytes} bytes`;
}
