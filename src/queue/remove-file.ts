import fs from 'node:fs';
import {isErrnoCode} from '../errors.ts';

/**
 * Removes the file at a path if there is one, as `fs.rmSync(file, {force: true})` does, without that
 * call's cost when there is none: rmSync lstats the path first, and for an absent file that lstat
 * throws inside node, an Error with its stack trace built and caught each time (most removals on a
 * task's path find nothing: a cancel request never made, a staged result not written yet). A folder
 * is refused, as rmSync without `recursive` refuses it (EISDIR).
 */
export function removeFile(file: string): void {
	if (!fs.lstatSync(file, {throwIfNoEntry: false})) {
		return;
	}

	try {
		fs.unlinkSync(file);
	} catch (error) {
		if (!isErrnoCode(error, 'ENOENT')) {
			throw error; // Gone meanwhile is what was asked for.
		}
	}
}
