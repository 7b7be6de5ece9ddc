import fs from 'node:fs';
import path from 'node:path';
import {SpoolError} from '../errors.ts';

/**
 * Where a task runs: its own `cwd` (relative to SPOOL_HOME, and only under one of the allowed roots) or a
 * fresh workspace folder of its own.
 */
export async function prepareCwd(options: {home: string; cwdRoots: readonly string[]; taskCwd?: string; workspace: string}): Promise<string> {
	if (options.taskCwd === undefined) {
		fs.mkdirSync(options.workspace, {recursive: true});
		return options.workspace;
	}

	const cwd = path.resolve(options.home, options.taskCwd);
	const real = await fs.promises.realpath(cwd).catch(() => {
		throw new SpoolError('invalid_task', `cwd: ${JSON.stringify(options.taskCwd)} does not exist`);
	});
	const roots = await Promise.all(options.cwdRoots.map(async root => fs.promises.realpath(root).catch(() => root)));
	if (!roots.some(root => real === root || real.startsWith(root + path.sep))) {
		throw new SpoolError('invalid_task', `cwd: ${JSON.stringify(options.taskCwd)} lies outside the allowed roots (${options.cwdRoots.join(', ')}); add its folder to cwdRoots in spool.yaml`);
	}

	const stat = await fs.promises.stat(real);
	if (!stat.isDirectory()) {
		throw new SpoolError('invalid_task', `cwd: ${JSON.stringify(options.taskCwd)} is not a directory`);
	}

	return real;
}
