import fs from 'node:fs/promises';
import path from 'node:path';
import {PROTECTED_FOLDERS} from './layout.ts';

export type GuardedPath = {ok: true; real: string} | {ok: false; reason: 'missing' | 'outside' | 'protected'; why: string};

/**
 * The one check that a path a task names (its cwd, a context file, a deliverable) is one it may use:
 * resolved against `base`, symlinks followed to the real path, it lies under one of `roots` and not in
 * an auth home or one of spool's state folders of `home` (nor is it the home or a folder above it,
 * which would hold them all). `why` names the path, the rule and the way out.
 */
export async function guardPath(wanted: string, options: {base: string; home: string; roots: readonly string[]; what: string}): Promise<GuardedPath> {
	const shown = `${options.what}: ${JSON.stringify(wanted)}`;
	const real = await fs.realpath(path.resolve(options.base, wanted)).catch(() => undefined);
	if (real === undefined) {
		return {ok: false, reason: 'missing', why: `${shown} does not exist`};
	}

	const home = await realpathOr(options.home);
	const protectedHit = PROTECTED_FOLDERS.find(name => isUnder(real, path.join(home, name)));
	if (protectedHit) {
		return {ok: false, reason: 'protected', why: `${shown} resolves into ${protectedHit}/ of the spool home, which holds ${protectedHit === 'auth-homes' ? "the workers' credentials" : ['prompts', 'workflows', 'goals'].includes(protectedHit) ? 'what steers spool' : "spool's own state"}; no task may use it, whatever cwdRoots says`};
	}

	if (isUnder(home, real)) {
		return {ok: false, reason: 'protected', why: `${shown} is the spool home or a folder above it, which holds auth-homes/ and spool's own state; use a folder inside it such as workspaces/ or a repository`};
	}

	const roots = await Promise.all(options.roots.map(root => realpathOr(root)));
	if (!roots.some(root => isUnder(real, root))) {
		return {ok: false, reason: 'outside', why: `${shown} lies outside the allowed roots (${options.roots.join(', ')}); add its folder to cwdRoots in spool.yaml`};
	}

	return {ok: true, real};
}

/** True when `file` is `root` or lies inside it; both are absolute, normalised paths. `/` holds everything. */
export function isUnder(file: string, root: string): boolean {
	if (file === root) {
		return true;
	}

	return file.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

async function realpathOr(file: string): Promise<string> {
	return fs.realpath(file).catch(() => path.resolve(file));
}
