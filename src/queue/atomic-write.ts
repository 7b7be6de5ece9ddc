import fs from 'node:fs';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {promisify} from 'node:util';

/*
 * The queue's file steps are small: a rename, a link, a few hundred bytes written. They are made as
 * plain system calls (a few µs each), because Node's promise API sends each one through its thread pool,
 * which costs 30-150 µs of CPU apiece and was a third of a worker's own cost per task (docs/benchmarks.md).
 * Only fsync, which waits on the disk, leaves the event loop.
 */
const fsync = promisify(fs.fsync);

/** Writes a file the way nq does: a dot-named temp file, fsync, rename into place, fsync the directory. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
	const temp = tempPathFor(file);
	try {
		await writeFileDurable(temp, data);
		fs.renameSync(temp, file);
	} catch (error) {
		fs.rmSync(temp, {force: true});
		throw error;
	}

	await syncDirectory(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
	return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Creates `file` (it must not exist), writes `data` and fsyncs it. */
export async function writeFileDurable(file: string, data: string): Promise<void> {
	const fd = fs.openSync(file, 'wx');
	try {
		fs.writeFileSync(fd, data);
		await fsync(fd);
	} finally {
		fs.closeSync(fd);
	}
}

/** Renames and then fsyncs the target directory, so the rename survives a power cut. */
export async function renameDurable(from: string, to: string): Promise<void> {
	fs.renameSync(from, to);
	await syncDirectory(path.dirname(to));
}

export async function syncDirectory(directory: string): Promise<void> {
	const fd = fs.openSync(directory, 'r');
	try {
		await fsync(fd);
	} finally {
		fs.closeSync(fd);
	}
}

/** Temp files are dot-named so that no scanner ever takes them for tasks or results. */
export function tempPathFor(file: string): string {
	return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a new file, fsynced, or returns false when the name is taken: a durable temp file hard-linked
 * into place, which never replaces an entry of that name (not even a dangling symlink). A task that is
 * queued (submit, retry) and a plan that is saved are written so; the folder is made if need be.
 */
export async function writeFileExclusive(file: string, data: string): Promise<boolean> {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const temp = tempPathFor(file);
	try {
		await writeFileDurable(temp, data);
		fs.linkSync(temp, file);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return false;
		}

		throw error;
	} finally {
		fs.rmSync(temp, {force: true});
	}

	await syncDirectory(path.dirname(file));
	return true;
}

export function writeJsonExclusive(file: string, value: unknown): Promise<boolean> {
	return writeFileExclusive(file, `${JSON.stringify(value, null, 2)}\n`);
}
