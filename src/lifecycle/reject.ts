import fs from 'node:fs';
import path from 'node:path';
import {randomUUID} from 'node:crypto';
import {isErrnoCode} from '../errors.ts';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {buildResult, type TaskResult} from '../queue/result.ts';
import {writeResult} from './commit.ts';
import {fenceClaim} from './fence.ts';
import {checkTaskId, sanitizeTaskId, taskFileName, taskIdOf} from './names.ts';

/**
 * The reject transition: a claimed task that can never run is fenced like any ended claim, moved aside
 * into rejected/WORKER/ as it came (never deleted, never overwritten, never opened if it is no regular
 * file), and given a `rejected` result that says what is wrong. Undefined when another loop took the
 * claim first. A crash before the result is written leaves the fenced file to a sweep, which requeues it
 * to be rejected again.
 */
export async function rejectClaim(
	layout: Layout,
	options: {worker: string; file: string; owner: string; error: TaskError; attempts?: number; questions?: TaskResult['questions']},
): Promise<TaskResult | undefined> {
	const name = path.basename(options.file);
	const rawId = taskIdOf(name);
	const id = checkTaskId(rawId) ? sanitizeTaskId(rawId) : rawId;
	// An unsafe id is fenced under its safe stand-in: a name near 255 bytes cannot take the .out- prefix.
	const out = fenceClaim(options.file, path.dirname(options.file), id === rawId ? {} : {as: taskFileName(id)});
	if (!out) {
		return undefined;
	}

	fs.mkdirSync(layout.rejected(options.worker), {recursive: true});
	const kept = moveWithoutClobber(out, layout.rejected(options.worker), name);
	const result = buildResult(
		{id, worker: options.worker, owner: options.owner, runId: randomUUID(), attempts: options.attempts ?? 0, startedAt: new Date()},
		{status: 'rejected', error: options.error, rejectedFile: path.relative(layout.home, kept), ...(options.questions ? {questions: options.questions} : {})},
	);
	await writeResult(layout, result);
	return result;
}

/** Moves `file` into `dir` as `name`, or `stem.1.ext`, `stem.2.ext`... when the name is taken. */
function moveWithoutClobber(file: string, dir: string, name: string): string {
	const extension = path.extname(name);
	const stem = name.slice(0, name.length - extension.length);
	for (let n = 0; ; n++) {
		const target = path.join(dir, n === 0 ? name : `${stem}.${n}${extension}`);
		try {
			// A link never replaces a file; it also takes symlinks and FIFOs as they are (linkat does not follow).
			fs.linkSync(file, target);
			fs.rmSync(file, {force: true});
			return target;
		} catch (error) {
			if (isErrnoCode(error, 'EEXIST')) {
				continue;
			}

			if (!isErrnoCode(error, 'EPERM')) {
				throw error;
			}
		}

		// A folder cannot be linked: renamed, once no entry holds the name (only this loop holds the fenced file).
		if (!fs.lstatSync(target, {throwIfNoEntry: false})) {
			fs.renameSync(file, target);
			return target;
		}
	}
}
