import fs from 'node:fs/promises';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor} from '../queue/atomic-write.ts';
import {foreignPath} from './names.ts';

/**
 * Only a file's owner may set its times, so a task another user dropped (root with sudo, while the loop
 * runs as the data root's owner, as in a container) cannot have its lease started before the claim
 * rename. Right after that rename it is replaced by the loop's own copy of the same bytes with a fresh
 * mtime. The other user's file is first moved to a dot-name, which no sweeper looks at: if a sweeper
 * took the claim in the instant it showed its old mtime, that move fails and the task is the sweeper's
 * (false is returned), so it never runs twice. The dot-named original is removed last.
 */
export async function adoptForeignClaim(file: string): Promise<boolean> {
	const own = tempPathFor(file);
	await fs.writeFile(own, await fs.readFile(file), {flag: 'wx'});
	const foreign = foreignPath(file);
	try {
		await fs.rename(file, foreign);
	} catch (error) {
		await fs.rm(own, {force: true});
		if (isErrnoCode(error, 'ENOENT')) {
			return false;
		}

		throw error;
	}

	await fs.rename(own, file);
	await syncDirectory(path.dirname(file));
	await fs.rm(foreign, {force: true});
	return true;
}
