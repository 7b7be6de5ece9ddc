import fs from 'node:fs';
import path from 'node:path';
import {watch} from 'chokidar';
import {SpoolError} from '../errors.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';

/** Resolves with the result once results/WORKER/ID.json exists (a watch, with a scan each second as the truth). */
export async function waitForResult(file: string): Promise<TaskResult> {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const watcher = watch(path.dirname(file), {depth: 0, ignoreInitial: true});
	try {
		return await new Promise<TaskResult>((resolve, reject) => {
			// Results are linked into place whole, so a file that is there but does not parse is not spool's.
			const check = () => {
				const result = readResultFile(file);
				if (result) {
					resolve(result);
				} else if (fs.existsSync(file)) {
					reject(new SpoolError('result_unreadable', `${file} exists but is not a spool result`));
				}
			};
			watcher.on('add', check);
			setInterval(check, 1000).unref();
			check();
		});
	} finally {
		await watcher.close();
	}
}
