import fs from 'node:fs/promises';
import path from 'node:path';
import {randomBytes} from 'node:crypto';

/** Writes a file the way nq does: a dot-named temp file, fsync, rename into place, fsync the directory. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
	const temp = tempPathFor(file);
	try {
		const handle = await fs.open(temp, 'wx');
		try {
			await handle.writeFile(data);
			await handle.sync();
		} finally {
			await handle.close();
		}

		await fs.rename(temp, file);
	} catch (error) {
		await fs.rm(temp, {force: true});
		throw error;
	}

	await syncDirectory(path.dirname(file));
}

export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
	return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Renames and then fsyncs the target directory, so the rename survives a power cut. */
export async function renameDurable(from: string, to: string): Promise<void> {
	await fs.rename(from, to);
	await syncDirectory(path.dirname(to));
}

export async function syncDirectory(directory: string): Promise<void> {
	const handle = await fs.open(directory, 'r');
	try {
		await handle.sync();
	} finally {
		await handle.close();
	}
}

/** Temp files are dot-named so that no scanner ever takes them for tasks or results. */
export function tempPathFor(file: string): string {
	return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
}
