import fs from 'node:fs/promises';
import path from 'node:path';
import {watch} from 'chokidar';
import type {TaskResult} from '../queue/result.ts';

/** Resolves with the result once results/WORKER/ID.json exists (a watch, with a scan each second as the truth). */
export async function waitForResult(file: string): Promise<TaskResult> {
	await fs.mkdir(path.dirname(file), {recursive: true});
	const watcher = watch(path.dirname(file), {depth: 0, ignoreInitial: true});
	try {
		return await new Promise<TaskResult>((resolve, reject) => {
			const check = () =>
				void fs.readFile(file, 'utf8').then(
					text => resolve(JSON.parse(text) as TaskResult),
					(error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && reject(error),
				);
			watcher.on('add', check);
			setInterval(check, 1000).unref();
			check();
		});
	} finally {
		await watcher.close();
	}
}
