import fs from 'node:fs';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import {isObject} from './read-file.ts';
import {checkDepth, readTaskFile} from './task-limits.ts';

/*
 * What the pending index reads of a task file without claiming it: its priority, when it was dropped,
 * and until when a retry backoff or a `notBefore` holds it.
 */

/** What the index learns of a file when it first sees it: enough to place it in the claim order. */
export type Peek = {name: string; priority: number; mtimeMs: number};

/** What peekTask reads of a new file: the whole of almost any task. */
const PEEK_BUFFER = Buffer.alloc(16 * 1024);

/**
 * The priority and mtime of a file seen for the first time; undefined when it is gone already. Read
 * the cheap way, since every task is read here once: one open (never through a symlink, never
 * blocking on a FIFO), one fstat, one read of the start of the file into a shared buffer. A file
 * whose start names no priority (most tasks) is placed at 0 unparsed; anything odd is placed at 0
 * too, and its claim says what is wrong with it.
 */
export function peekTask(dir: string, name: string): Peek | undefined {
	let fd: number;
	try {
		fd = fs.openSync(path.join(dir, name), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	} catch (error) {
		return isErrnoCode(error, 'ENOENT') ? undefined : {name, priority: 0, mtimeMs: 0};
	}

	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) {
			return {name, priority: 0, mtimeMs: 0};
		}

		const read = fs.readSync(fd, PEEK_BUFFER, 0, PEEK_BUFFER.length, 0);
		const at = PEEK_BUFFER.subarray(0, read).indexOf('"priority"');
		if (at === -1 && stat.size <= read) {
			return {name, priority: 0, mtimeMs: stat.mtimeMs};
		}

		const whole = stat.size <= read ? PEEK_BUFFER.toString('utf8', 0, read) : readTaskFile(path.join(dir, name), name);
		const text = typeof whole === 'string' ? whole : whole.kind === 'text' ? whole.text : undefined;
		if (text === undefined || checkDepth(text, name)) {
			return {name, priority: 0, mtimeMs: stat.mtimeMs};
		}

		return {name, priority: priorityOf(JSON.parse(text)), mtimeMs: stat.mtimeMs};
	} catch {
		return {name, priority: 0, mtimeMs: 0}; // Not JSON yet (being written): placed again when its claim reads it.
	} finally {
		fs.closeSync(fd);
	}
}

/** True only when nothing is at the name (ENOENT): anything else is for the peek to place and the claim to judge. */
export function isAbsent(dir: string, name: string): boolean {
	try {
		return fs.lstatSync(path.join(dir, name), {throwIfNoEntry: false}) === undefined;
	} catch {
		return false;
	}
}

/** A task's `priority`: a whole number, 0 when it has none (or one the schema will reject at the claim). */
export function priorityOf(parsed: unknown): number {
	const priority = isObject(parsed) ? parsed.priority : undefined;
	return typeof priority === 'number' && Number.isSafeInteger(priority) ? priority : 0;
}

/**
 * The times that hold a task, read from its JSON: `key` changes when they do, `waitMs(now)` is how long
 * they still hold it on the wall clock. A clock that was stepped back before the task was first seen shows
 * as a failure in the future: a retry's wait is then at most the backoff itself.
 */
export function dueTimes(parsed: unknown): {key: string; waitMs(now: number): number} {
	const {retryAt, notBefore, history} = (isObject(parsed) ? parsed : {}) as {retryAt?: unknown; notBefore?: unknown; history?: unknown};
	const retryDue = typeof retryAt === 'string' ? Date.parse(retryAt) : Number.NaN;
	const notBeforeDue = typeof notBefore === 'string' ? Date.parse(notBefore) : Number.NaN;
	const lastFailure = Array.isArray(history) ? Date.parse(String((history.at(-1) as {finishedAt?: unknown} | undefined)?.finishedAt)) : Number.NaN;
	return {
		key: `${String(retryAt)} ${String(notBefore)}`,
		waitMs(now) {
			const retryWait = retryDue > now ? (lastFailure > now ? Math.min(retryDue - now, retryDue - lastFailure) : retryDue - now) : 0;
			const notBeforeWait = notBeforeDue > now ? notBeforeDue - now : 0;
			return Math.max(0, retryWait, notBeforeWait);
		},
	};
}
