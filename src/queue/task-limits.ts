import type {TaskError} from './error-codes.ts';
import {describeNotRegular, readRegularFile} from './read-file.ts';

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
export type TaskFileRead = {kind: 'text'; text: string; size: number; mtimeMs: number} | {kind: 'bad'; error: TaskError} | {kind: 'gone'};

/** Reads a task file the safe way (read-file.ts), within the size limit. */
export function readTaskFile(file: string, shownAs: string): TaskFileRead {
	const read = readRegularFile(file, {maxBytes: TASK_LIMITS.maxBytes});
	switch (read.kind) {
		case 'missing': {
			return {kind: 'gone'};
		}

		case 'file': {
			return {kind: 'text', text: read.text, size: read.size, mtimeMs: read.mtimeMs};
		}

		case 'too-large': {
			return {kind: 'bad', error: tooLarge(shownAs, read.size)};
		}

		case 'not-regular': {
			return {kind: 'bad', error: {code: 'not_a_file', message: describeNotRegular(shownAs, read.entry, file)}};
		}
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

export function formatBytes(bytes: number): string {
	if (bytes >= 1024 * 1024) {
		return `${(bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
	}

	return bytes >= 1024 ? `${(bytes / 1024).toFixed(bytes % 1024 === 0 ? 0 : 1)} KiB` : `${bytes} bytes`;
}
