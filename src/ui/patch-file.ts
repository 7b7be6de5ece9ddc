import fs from 'node:fs';
import {isErrnoCode} from '../errors.ts';
import type {Layout} from '../queue/layout.ts';

/** A patch past this is shown by its start; the whole of it is in results/W/ID.patch (and `spool review`). */
export const MAX_PATCH_BYTES = 1024 * 1024;

export type PatchRead = {size: number; mtimeMs: number; text: string; truncated: boolean};

/** The stat of results/W/ID.patch, a regular file only; undefined when there is none. */
export function statPatch(layout: Layout, worker: string, id: string): {size: number; mtimeMs: number} | undefined {
	const stat = fs.lstatSync(layout.patchFile(worker, id), {throwIfNoEntry: false});
	return stat?.isFile() ? {size: stat.size, mtimeMs: stat.mtimeMs} : undefined;
}

/** GET /api/tasks/W/ID/patch: the change a repo task made, its first MiB (cut at a line's end). Never follows a link. */
export function readPatch(layout: Layout, worker: string, id: string): PatchRead | undefined {
	let fd: number;
	try {
		fd = fs.openSync(layout.patchFile(worker, id), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT', 'ENOTDIR', 'ELOOP')) {
			return undefined;
		}

		throw error;
	}

	try {
		const stat = fs.fstatSync(fd);
		if (!stat.isFile()) {
			return undefined;
		}

		const buffer = Buffer.alloc(Math.min(stat.size, MAX_PATCH_BYTES));
		const got = fs.readSync(fd, buffer, 0, buffer.length, 0);
		const truncated = stat.size > got;
		const end = truncated ? buffer.lastIndexOf(0x0a, got - 1) + 1 : got;
		return {size: stat.size, mtimeMs: stat.mtimeMs, text: buffer.toString('utf8', 0, end), truncated};
	} finally {
		fs.closeSync(fd);
	}
}
