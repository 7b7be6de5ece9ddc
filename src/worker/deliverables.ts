import fs from 'node:fs/promises';
import path from 'node:path';
import type {TaskError} from '../queue/result.ts';

/**
 * A run that claude calls a success still fails when a file the task promised is missing: the task's
 * `deliverables`, resolved against the folder it ran in.
 */
export async function checkDeliverables(cwd: string, deliverables: readonly string[] | undefined, done = 'claude finished'): Promise<TaskError | null> {
	const missing: string[] = [];
	for (const deliverable of deliverables ?? []) {
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
