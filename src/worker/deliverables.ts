import fs from 'node:fs/promises';
import path from 'node:path';
import type {TaskError} from '../queue/error-codes.ts';
import {guardPath} from '../queue/path-guard.ts';

/**
 * A run that claude calls a success still fails when a file the task promised is missing: the task's
 * `deliverables`, resolved against the folder it ran in. A deliverable may not name a path in an auth
 * home or spool's own state (path-guard.ts): its existence alone would tell a task what lies there.
 */
export async function checkDeliverables(
	cwd: string,
	deliverables: readonly string[] | undefined,
	options: {home: string; roots: readonly string[]; done?: string},
): Promise<TaskError | null> {
	const done = options.done ?? 'claude finished';
	const missing: string[] = [];
	for (const deliverable of deliverables ?? []) {
		const guarded = await guardPath(deliverable, {base: cwd, home: options.home, roots: [cwd, ...options.roots], what: 'deliverables'});
		if (!guarded.ok && guarded.reason === 'protected') {
			return {code: 'deliverable_forbidden', message: `${done}, but ${guarded.why}`};
		}

		if (!(await fs.stat(path.resolve(cwd, deliverable)).catch(() => undefined))) {
			missing.push(deliverable);
		}
	}

	if (missing.length === 0) {
		return null;
	}

	const list = missing.map(name => JSON.stringify(name)).join(', ');
	return {code: 'missing_deliverable', message: `${done}, but the deliverable${missing.length > 1 ? 's' : ''} ${list} do${missing.length > 1 ? '' : 'es'} not exist in ${cwd}`};
}
