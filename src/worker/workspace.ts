import fs from 'node:fs';
import path from 'node:path';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {guardPath} from '../queue/path-guard.ts';

/**
 * Where a task runs: its own `cwd` (relative to SPOOL_HOME, under one of the allowed roots, and never in
 * an auth home or spool's own state) or a fresh workspace folder of its own.
 */
export async function prepareCwd(options: {home: string; cwdRoots: readonly string[]; taskCwd?: string; workspace: string}): Promise<{cwd: string} | TaskError> {
	if (options.taskCwd === undefined) {
		fs.mkdirSync(options.workspace, {recursive: true});
		return {cwd: options.workspace};
	}

	const guarded = await guardPath(options.taskCwd, {base: options.home, home: options.home, roots: options.cwdRoots, what: 'cwd'});
	if (!guarded.ok) {
		return {code: guarded.reason === 'protected' ? 'cwd_forbidden' : 'invalid_task', message: guarded.why};
	}

	if (!fs.statSync(guarded.real).isDirectory()) {
		return {code: 'invalid_task', message: `cwd: ${JSON.stringify(options.taskCwd)} is not a directory`};
	}

	return {cwd: guarded.real};
}

/**
 * results/WORKER/ must take this run's result before claude is paid to produce it: re-created when it was
 * deleted; an error naming the folder when it cannot be written (read-only, a full disk is found later).
 */
export function checkResultsWritable(layout: Layout, worker: string): TaskError | undefined {
	const dir = layout.results(worker);
	try {
		fs.mkdirSync(dir, {recursive: true});
		fs.accessSync(dir, fs.constants.W_OK);
		return undefined;
	} catch (error) {
		const {code, message} = error as NodeJS.ErrnoException;
		return {code: 'results_unwritable', message: `${path.relative(layout.home, dir)}/ cannot be written (${code ?? message}); no task of this worker starts until it can`};
	}
}
