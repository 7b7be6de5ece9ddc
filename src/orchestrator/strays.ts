import fs from 'node:fs/promises';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {claim as claimTask, reject as rejectClaim} from '../lifecycle/index.ts';
import {isTaskFileName} from '../lifecycle/names.ts';

/**
 * Task files in a folder of tasks/ that names no configured worker would wait forever: they are moved to
 * rejected/FOLDER/ with a result that lists the workers there are.
 */
export async function rejectStrayTasks(config: Config, layout: Layout, owner: string, logger: Logger): Promise<number> {
	const entries = await fs.readdir(layout.tasksRoot, {withFileTypes: true}).catch(() => []);
	let rejected = 0;
	for (const entry of entries) {
		if (entry.name.startsWith('.') || config.workers[entry.name]) {
			continue;
		}

		if (!entry.isDirectory()) {
			if (isTaskFileName(entry.name)) {
				logger.warn({file: path.join('tasks', entry.name)}, 'a task file must lie in a worker folder, tasks/WORKER/ID.json; it was left as it is');
			}

			continue;
		}

		const folder = entry.name;
		const names = (await fs.readdir(layout.tasks(folder)).catch(() => [])).filter(name => isTaskFileName(name));
		if (names.length > 0) {
			await fs.mkdir(layout.claims(folder, owner), {recursive: true});
		}

		for (const name of names) {
			const outcome = await claimTask(layout, folder, owner, name);
			if (outcome.kind === 'gone') {
				continue;
			}

			const message = `no worker named "${folder}" in ${config.file} (workers: ${Object.keys(config.workers).join(', ')})`;
			await rejectClaim(layout, {worker: folder, file: outcome.claim.file, owner, error: {code: 'unknown_worker', message}});
			logger.warn({file: path.join('tasks', folder, name)}, `task rejected: ${message}`);
			rejected++;
		}

		await fs.rm(layout.processing(folder), {recursive: true, force: true}).catch(() => undefined);
	}

	return rejected;
}
