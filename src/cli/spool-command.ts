import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

/** bin/spool.js of this installation. */
export const SPOOL_BIN = fileURLToPath(new URL('../../bin/spool.js', import.meta.url));

/**
 * A command line that runs this spool from any folder: `spool` is on no PATH (there is no global
 * install, and `npx spool` outside the clone asks the npm registry for another package). It names the
 * node running now when the `node` on PATH is another one, which may be too old for spool.
 */
export function describeSpoolCommand(env: NodeJS.ProcessEnv = process.env): string {
	return `${findNodeOnPath(env) === realpathOrSelf(process.execPath) ? 'node' : quoteForShell(process.execPath)} ${quoteForShell(SPOOL_BIN)}`;
}

/** Single quotes where a shell would split or expand the word. */
export function quoteForShell(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", String.raw`'\''`)}'`;
}

function findNodeOnPath(env: NodeJS.ProcessEnv): string | undefined {
	for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
		const candidate = path.join(dir, 'node');
		try {
			fs.accessSync(candidate, fs.constants.X_OK);
			return realpathOrSelf(candidate);
		} catch {
			// Not in this folder of PATH: look in the next.
		}
	}

	return undefined;
}

function realpathOrSelf(file: string): string {
	try {
		return fs.realpathSync(file);
	} catch {
		return file;
	}
}
