import fs from 'node:fs/promises';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {isErrnoCode, SpoolError} from '../errors.ts';
import type {Layout} from './layout.ts';

/**
 * Claims and results move by rename, which is atomic only within one filesystem. A probe file is
 * renamed through tasks/, processing/, results/ and rejected/ of the worker; EXDEV means they lie on
 * different filesystems (a bind mount of one folder alone), and spool refuses to start. The folders that
 * cannot be written at all are returned, to be logged.
 */
export async function checkSameFilesystem(layout: Layout, worker: string, owner: string): Promise<string[]> {
	const name = `.probe-${randomBytes(4).toString('hex')}.tmp`;
	const stops = [layout.tasks(worker), layout.claims(worker, owner), layout.results(worker), layout.rejected(worker)];
	await fs.mkdir(layout.rejected(worker), {recursive: true});
	let current = path.join(stops[0]!, name);
	const unchecked: string[] = [];
	await fs.writeFile(current, '');
	try {
		for (const dir of stops.slice(1)) {
			const next = path.join(dir, name);
			try {
				await fs.rename(current, next);
			} catch (error) {
				if (isErrnoCode(error, 'EXDEV')) {
					throw new SpoolError(
						'cross_device',
						`${path.relative(layout.home, stops[0]!)}/ and ${path.relative(layout.home, dir)}/ lie on different filesystems, so claims by rename cannot be atomic; mount the whole spool home (${layout.home}) as one volume`,
					);
				}

				if (isErrnoCode(error, 'EACCES', 'EPERM', 'EROFS')) {
					// A folder that cannot be written now: the loop starts, and no task starts until it can (run-task.ts).
					unchecked.push(`${path.relative(layout.home, dir)}/ (${(error as NodeJS.ErrnoException).code})`);
					continue;
				}

				throw error;
			}

			current = next;
		}
	} finally {
		await fs.rm(current, {force: true});
	}

	return unchecked;
}
