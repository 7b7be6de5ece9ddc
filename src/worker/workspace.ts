import fs from 'node:fs';
import type {TaskError} from '../queue/error-codes.ts';
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
