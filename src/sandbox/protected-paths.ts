import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Layout} from '../queue/layout.ts';

/** spool's own install: the code its hooks and MCP server run, outside the sandbox, as the worker. */
const INSTALL_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * What no run may read or write: every entry of the spool home but workspaces/, whatever it is named
 * (spool.yaml, .env, the compose file, the home's own .git, which holds spool.yaml's history, and every
 * folder of spool's state, credentials and steering, queue/layout.ts PROTECTED_FOLDERS, made yet or
 * not); the auth homes wherever they are; the user's own ~/.claude and ~/.claude.json. Absolute, and
 * also as their real paths when a link leads there, since the rules match paths as written.
 */
export function protectedPaths(layout: Pick<Layout, 'home' | 'protectedFolders' | 'authHomesRoot' | 'workspacesRoot'>, configFile: string): string[] {
	// Read once a second at most: every run asks, and the home's entries rarely change.
	const key = `${layout.home}\0${configFile}`;
	const cached = recent.get(key);
	if (cached && Date.now() - cached.at < CACHE_MS) {
		return cached.paths;
	}

	const paths = readProtectedPaths(layout, configFile);
	recent.set(key, {at: Date.now(), paths});
	return paths;
}

const CACHE_MS = 1000;
const recent = new Map<string, {at: number; paths: string[]}>();

function readProtectedPaths(layout: Pick<Layout, 'home' | 'protectedFolders' | 'authHomesRoot' | 'workspacesRoot'>, configFile: string): string[] {
	let entries: string[] = [];
	try {
		entries = fs.readdirSync(layout.home).map(name => path.join(layout.home, name));
	} catch {
		// A home that cannot be listed: the named paths below still are denied.
	}

	const user = os.homedir();
	const listed = [configFile, ...layout.protectedFolders, layout.authHomesRoot, ...entries, path.join(user, '.claude'), path.join(user, '.claude.json')];
	return unique(listed.filter(file => file !== layout.workspacesRoot).flatMap(file => spellings(file)));
}

/**
 * What a run may read but never write: spool's own code and claude's binary, which its hooks and MCP
 * server run outside the sandbox (the home is often the clone spool runs from).
 */
export function codePaths(claudeBin: string): string[] {
	code ??= unique(['bin', 'src', 'node_modules', 'package.json', 'package-lock.json'].flatMap(name => spellings(path.join(INSTALL_ROOT, name))));
	return path.isAbsolute(claudeBin) ? unique([...code, ...spellings(claudeBin)]) : code;
}

let code: string[] | undefined;

/**
 * The protected paths with the run's own folders cut out: a folder that holds one of them (a skill's
 * mount under control/skills/W/ID, a task cwd under the home) is replaced by its entries, except the
 * branch that leads there, down to the folder itself. A path inside a kept folder stays denied: a cwd
 * that holds the home still cannot touch spool.yaml. The entries are read now; one made later under
 * such a folder is not denied.
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

/** Whether `child` is strictly inside `parent`; both absolute and normalised (a string test: carve asks it for every pair). */
export function isInside(child: string, parent: string): boolean {
	return child.length > parent.length && child.startsWith(parent === path.sep ? parent : `${parent}${path.sep}`);
}

/** Whether `file` is `parent` or inside it. */
export function isAtOrInside(file: string, parent: string): boolean {
	return file === parent || isInside(file, parent);
}

/** A path as given, and where it really is when a link in it leads elsewhere (a home under a linked /tmp). */
export function spellings(file: string): string[] {
	try {
		const real = fs.realpathSync.native(file);
		return real === file ? [file] : [file, real];
	} catch {
		const parent = path.dirname(file);
		try {
			const real = path.join(fs.realpathSync.native(parent), path.basename(file));
			return real === file ? [file] : [file, real];
		} catch {
			return [file];
		}
	}
}

function unique(paths: string[]): string[] {
	return [...new Set(paths)];
}
