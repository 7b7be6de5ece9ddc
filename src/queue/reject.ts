import fs from 'node:fs/promises';
import path from 'node:path';
import {randomUUID} from 'node:crypto';
import {isErrnoCode} from '../errors.ts';
import {writeJsonAtomic} from './atomic-write.ts';
import type {Layout} from './layout.ts';
import {archivePreviousResult} from './results.ts';
import {buildResult, type TaskError, type TaskResult} from './result.ts';
import {checkTaskId, sanitizeTaskId, taskIdOf} from './task-file.ts';

/**
 * Moves a bad task file aside into rejected/WORKER/ (never deleted, never overwritten) and writes a
 * `rejected` result that says what is wrong. Returns the result, or undefined when another loop took
 * the file first.
 */
export async function rejectTaskFile(
	layout: Layout,
	options: {worker: string; file: string; owner: string; error: TaskError; attempts?: number},
): Promise<TaskResult | undefined> {
	const name = path.basename(options.file);
	const rawId = taskIdOf(name);
	const id = checkTaskId(rawId) ? sanitizeTaskId(rawId) : rawId;
	const rejectedDir = layout.rejected(options.worker);
	await fs.mkdir(rejectedDir, {recursive: true});
	const kept = await moveWithoutClobber(options.file, rejectedDir, name);
	if (!kept) {
		return undefined;
	}

	await fs.mkdir(layout.results(options.worker), {recursive: true});
	await archivePreviousResult(layout, options.worker, id);
	const result: TaskResult = {
		...buildResult({id, worker: options.worker, owner: options.owner, runId: randomUUID(), attempts: options.attempts ?? 0, startedAt: new Date()}),
		status: 'rejected',
		error: options.error,
	};
	await writeJsonAtomic(layout.resultFile(options.worker, id), {...result, rejectedFile: path.relative(layout.home, kept)});
	return result;
}

/** Moves `file` into `dir`, adding `.1`, `.2`... before the extension when the name is taken. */
async function moveWithoutClobber(file: string, dir: string, name: string): Promise<string | undefined> {
	const extension = path.extname(name);
	const stem = name.slice(0, name.length - extension.length);
	for (let n = 0; ; n++) {
		const target = path.join(dir, n === 0 ? name : `${stem}.${n}${extension}`);
		try {
			await fs.link(file, target);
		} catch (error) {
			if (isErrnoCode(error, 'EEXIST')) {
				continue;
			}

			if (isErrnoCode(error, 'ENOENT')) {
				return undefined;
			}

			throw error;
		}

		await fs.rm(file, {force: true});
		return target;
	}
}
