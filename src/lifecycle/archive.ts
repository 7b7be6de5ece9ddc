import fs from 'node:fs';
import path from 'node:path';
import type {Layout} from '../queue/layout.ts';

/**
 * The archive transition (`spool clean`): a finished task's file or folder (its result, transcript or
 * workspace, an entry of .history, a rejected original) moves to archive/ under the same path relative
 * to the home, a stamp added when that name is taken there; or it is deleted. Returns where it went.
 * The caller has checked that no task of the id is pending or running.
 */
export function archiveFinished(layout: Layout, file: string, remove: boolean): string | null {
	if (remove) {
		fs.rmSync(file, {recursive: true, force: true});
		return null;
	}

	let target = path.join(layout.archiveRoot, path.relative(layout.home, file));
	fs.mkdirSync(path.dirname(target), {recursive: true});
	if (fs.lstatSync(target, {throwIfNoEntry: false})) {
		target = `${target}.${new Date().toISOString().replaceAll(':', '-')}`;
	}

	fs.renameSync(file, target);
	return target;
}
