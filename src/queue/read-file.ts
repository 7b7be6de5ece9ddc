import fs from 'node:fs';
import {isErrnoCode} from '../errors.ts';

/** What lies at a path, named for a person; `file` is a regular file, the only kind spool reads. */
export type EntryKind = 'file' | 'symbolic link' | 'FIFO' | 'directory' | 'socket' | 'character device' | 'block device' | 'special file';

export type FileRead = {kind: 'file'; text: string; mtimeMs: number; size: number} | {kind: 'missing'} | {kind: 'not-regular'; entry: EntryKind} | {kind: 'too-large'; size: number; mtimeMs: number};

/**
 * Reads a file a person may have dropped (or replaced) without ever following a symlink or opening a
 * FIFO or device: lstat first, then open with O_NOFOLLOW | O_NONBLOCK and fstat the open file before
 * reading it. Plain system calls: a blocking open in Node's thread pool would wedge the process.
 * `followSymlinks` is for a path spool.yaml names (a prompt file): the link is the user's own choice,
 * but what it leads to must still be a regular file.
 */
export function readRegularFile(file: string, options: {maxBytes?: number; followSymlinks?: boolean} = {}): FileRead {
	let fd: number;
	try {
		if (!options.followSymlinks) {
			// throwIfNoEntry: an absent file is common here (a quota record, a result not staged yet), and a thrown ENOENT builds an Error with its stack.
			const stat = fs.lstatSync(file, {throwIfNoEntry: false});
			if (!stat) {
				return {kind: 'missing'};
			}

			const entry = entryKindOf(stat);
			if (entry !== 'file') {
				return {kind: 'not-regular', entry};
			}
		}

		fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (options.followSymlinks ? 0 : fs.constants.O_NOFOLLOW));
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT', 'ENOTDIR')) {
			return {kind: 'missing'};
		}

		// Swapped for a symlink between the lstat and the open.
		if (isErrnoCode(error, 'ELOOP')) {
			return {kind: 'not-regular', entry: 'symbolic link'};
		}

		throw error;
	}

	try {
		const stat = fs.fstatSync(fd);
		const entry = entryKindOf(stat);
		if (entry !== 'file') {
			return {kind: 'not-regular', entry};
		}

		if (stat.size > (options.maxBytes ?? Number.POSITIVE_INFINITY)) {
			return {kind: 'too-large', size: stat.size, mtimeMs: stat.mtimeMs};
		}

		return {kind: 'file', text: fs.readFileSync(fd, 'utf8'), mtimeMs: stat.mtimeMs, size: stat.size};
	} finally {
		fs.closeSync(fd);
	}
}

/** The kind of entry at a path, the path itself (never what a symlink points at); undefined when there is none. */
export function entryKindAt(file: string): EntryKind | undefined {
	try {
		const stat = fs.lstatSync(file, {throwIfNoEntry: false});
		return stat && entryKindOf(stat);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT', 'ENOTDIR')) {
			return undefined;
		}

		throw error;
	}
}

/** "workflows/x.json is a FIFO, not a regular file; spool never opens it"; a symlink's target is named (read from the link, not followed). */
export function describeNotRegular(shown: string, entry: EntryKind, file?: string): string {
	const target = entry === 'symbolic link' && file ? ` to ${JSON.stringify(readLinkTarget(file) ?? '?')}` : '';
	return `${shown} is a ${entry}${target}, not a regular file; spool never ${entry === 'symbolic link' ? 'follows one' : 'opens it'}`;
}

/** What a symlink names, read from the link itself (never followed); undefined when it cannot be read. */
export function readLinkTarget(file: string): string | undefined {
	try {
		return fs.readlinkSync(file);
	} catch {
		return undefined;
	}
}

function entryKindOf(stat: fs.Stats): EntryKind {
	const kinds: Array<[boolean, EntryKind]> = [
		[stat.isFile(), 'file'],
		[stat.isSymbolicLink(), 'symbolic link'],
		[stat.isFIFO(), 'FIFO'],
		[stat.isDirectory(), 'directory'],
		[stat.isSocket(), 'socket'],
		[stat.isCharacterDevice(), 'character device'],
		[stat.isBlockDevice(), 'block device'],
	];
	return kinds.find(([is]) => is)?.[1] ?? 'special file';
}

/**
 * The JSON value of a small file spool wrote; undefined when it is missing, no regular file, too large or
 * not JSON. `followSymlinks` for files of the user's (an auth home's, which a symlink may hold).
 */
export function readJsonFile(file: string, maxBytes = 1024 * 1024, options: {followSymlinks?: boolean} = {}): unknown {
	try {
		const read = readRegularFile(file, {maxBytes, followSymlinks: options.followSymlinks});
		return read.kind === 'file' ? (JSON.parse(read.text) as unknown) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Opens a file spool appends to by name, creating it, without following a symlink (ELOOP) or blocking on
 * a FIFO (ENXIO with no reader, else refused after fstat).
 */
export function openForAppend(file: string, options: {readable?: boolean} = {}): number {
	const fd = fs.openSync(file, (options.readable ? fs.constants.O_RDWR : fs.constants.O_WRONLY) | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK, 0o644);
	if (!fs.fstatSync(fd).isFile()) {
		fs.closeSync(fd);
		throw Object.assign(new Error(`${file} is not a regular file; spool does not write into it`), {code: 'ENOTREG'});
	}

	return fd;
}

/** A folder's entry names; none when it does not exist (yet) or cannot be read. */
export function readdirOrEmpty(dir: string): string[] {
	// An absent folder is common (no feedback yet, no cancel request): existsSync says so without the
	// Error, and its stack, that readdirSync's ENOENT builds.
	if (!fs.existsSync(dir)) {
		return [];
	}

	try {
		return fs.readdirSync(dir);
	} catch {
		return [];
	}
}

/** A JSON value that is an object, not null or an array: the shape every record spool reads must have. */
export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
