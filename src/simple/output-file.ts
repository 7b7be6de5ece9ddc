import fs from 'node:fs/promises';
import path from 'node:path';
import {writeFileAtomic} from '../queue/atomic-write.ts';
import type {TaskError} from '../queue/error-codes.ts';
import {isUnder} from '../queue/path-guard.ts';

/** Where a simple-mode answer went: the file (absolute) and its size. */
export type WrittenOutput = {path: string; bytes: number};

/**
 * Checked at claim time, before anything is paid: the task's `output` names a file inside its cwd
 * (`..` and absolute paths refused), and no folder on the way that exists already leads out of it by
 * a link. `realCwd` is the cwd with every link followed (prepareCwd's).
 */
export async function checkOutputPath(realCwd: string, output: string): Promise<string | TaskError> {
	const wanted = path.resolve(realCwd, output);
	if (path.isAbsolute(output) || wanted === realCwd || !isUnder(wanted, realCwd)) {
		return {code: 'output_forbidden', message: `output: ${JSON.stringify(output)} must name a file inside the task's cwd (${realCwd}), relative to it`};
	}

	const parent = await nearestExisting(path.dirname(wanted));
	if (!isUnder(parent, realCwd)) {
		return {code: 'output_forbidden', message: `output: ${JSON.stringify(output)} leads out of the task's cwd (${realCwd}) through a link, to ${parent}`};
	}

	return wanted;
}

/**
 * Writes the answer to `output` atomically (a temp file renamed into place, so a reader never sees half
 * of it and a link at the name is replaced, never written through). The path is checked again, as the
 * run may have changed the folders meanwhile; a failure is `output_unwritable`, final.
 */
export async function writeOutput(realCwd: string, output: string, text: string): Promise<WrittenOutput | TaskError> {
	const checked = await checkOutputPath(realCwd, output);
	if (typeof checked !== 'string') {
		return checked;
	}

	try {
		await fs.mkdir(path.dirname(checked), {recursive: true});
		const parent = await fs.realpath(path.dirname(checked));
		if (!isUnder(parent, realCwd)) {
			return {code: 'output_forbidden', message: `output: ${JSON.stringify(output)} leads out of the task's cwd (${realCwd}) through a link, to ${parent}`};
		}

		const file = path.join(parent, path.basename(checked));
		const body = text.endsWith('\n') ? text : `${text}\n`;
		await writeFileAtomic(file, body);
		return {path: file, bytes: Buffer.byteLength(body)};
	} catch (error) {
		return {code: 'output_unwritable', message: `output: cannot write ${checked}: ${(error as Error).message}`};
	}
}

/** The deepest folder of `folder`'s path that exists, every link followed. */
async function nearestExisting(folder: string): Promise<string> {
	for (let current = folder; ; current = path.dirname(current)) {
		const real = await fs.realpath(current).catch(() => undefined);
		if (real !== undefined || current === path.dirname(current)) {
			return real ?? current;
		}
	}
}
