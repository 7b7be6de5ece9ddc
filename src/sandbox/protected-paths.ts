import fs from 'node:fs';
import path from 'node:path';
import {COMPOSE_FILE} from '../compose/compose-file.ts';
import type {Layout} from '../queue/layout.ts';

/**
 * What no run may read or write: spool.yaml, the .env beside the compose file, the compose file, and
 * every folder of spool's own state, credentials and steering (queue/layout.ts PROTECTED_FOLDERS: the
 * auth homes, prompts, tasks, results, ledger, outbox...). Absolute, and also as their real paths when
 * a link leads there, since the rules match paths as written.
 */
export function protectedPaths(layout: Pick<Layout, 'home' | 'protectedFolders' | 'authHomesRoot'>, configFile: string): string[] {
	const listed = [configFile, path.join(layout.home, '.env'), path.join(layout.home, COMPOSE_FILE), ...layout.protectedFolders, layout.authHomesRoot];
	return unique(listed.flatMap(file => spellings(file)));
}

/**
 * The protected paths with the run's own folders cut out: a folder that holds one of them (a skill's
 * mount under control/skills/W/ID) is replaced by its entries, except the branch that leads there, down
 * to the folder itself. A path inside a kept folder stays denied: a cwd that holds the home still
 * cannot touch spool.yaml. The entries are read now; one made later under such a folder is not denied.
 */
export function carve(denied: readonly string[], keep: readonly string[]): string[] {
	const out: string[] = [];
	for (const deniedPath of denied) {
		if (keep.includes(deniedPath)) {
			continue;
		}

		const inner = keep.filter(kept => isInside(kept, deniedPath));
		if (inner.length === 0) {
			out.push(deniedPath);
			continue;
		}

		let entries: string[];
		try {
			entries = fs.readdirSync(deniedPath);
		} catch {
			continue; // Gone, or not a folder: nothing in it to deny.
		}

		out.push(...carve(entries.map(entry => path.join(deniedPath, entry)), inner));
	}

	return unique(out);
}

/** Whether `child` is strictly inside `parent`. */
export function isInside(child: string, parent: string): boolean {
	const relative = path.relative(parent, child);
	return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** A path as given, and where it really is when a link in it leads elsewhere (a home under a linked /tmp). */
export function spellings(file: string): string[] {
	try {
		const real = fs.realpathSync(file);
		return real === file ? [file] : [file, real];
	} catch {
		const parent = path.dirname(file);
		try {
			const real = path.join(fs.realpathSync(parent), path.basename(file));
			return real === file ? [file] : [file, real];
		} catch {
			return [file];
		}
	}
}

function unique(paths: string[]): string[] {
	return [...new Set(paths)];
}
