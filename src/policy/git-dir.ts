import fs from 'node:fs';
import path from 'node:path';

/**
 * The objects folder of the git repository `cwd` lies in, found the way git finds it, without running
 * git: a run used to spawn `git rev-parse --git-common-dir` for this, which cost every task a process
 * (about a third of the worker's CPU on a cheap job). Each folder from `cwd` up is looked at, as git's
 * discovery does:
 * - a `.git` folder that is a git directory (HEAD, objects/, refs/), or a `.git` file `gitdir: PATH`
 *   (a linked worktree, a submodule, --separate-git-dir);
 * - else the folder itself when it is a git directory (a bare repository, or inside a .git folder).
 * A linked worktree's git directory names its main repository's in `commondir`; the objects are there.
 * Undefined outside a repository. test/unit/git-dir.test.ts holds it against git itself.
 */
export function gitObjectsOf(cwd: string): string | undefined {
	// Through links, as git does (its cwd is the real path): a relative gitdir: resolves from there.
	for (let dir = realPath(cwd); ; dir = path.dirname(dir)) {
		const common = dotGit(dir) ?? commonOfGitDirectory(dir);
		if (common) {
			return path.join(common, 'objects');
		}

		if (path.dirname(dir) === dir) {
			return undefined;
		}
	}
}

/** The common git directory of `dir/.git`: the folder itself, or where a `gitdir:` file points (its commondir for a linked worktree). */
function dotGit(dir: string): string | undefined {
	const dotgit = path.join(dir, '.git');
	const stat = fs.statSync(dotgit, {throwIfNoEntry: false});
	if (stat?.isDirectory()) {
		return commonOfGitDirectory(dotgit);
	}

	if (stat?.isFile()) {
		const match = /^gitdir: (.+)$/m.exec(readSmall(dotgit) ?? '');
		const target = match ? path.resolve(dir, match[1]!.trim()) : undefined;
		return target && commonOfGitDirectory(target);
	}

	return undefined;
}

/**
 * When `dir` is a git directory by git's own test (setup.c, is_git_directory: HEAD, and objects/ and
 * refs/ folders), the directory holding its objects and refs: itself, or the one its `commondir` names
 * (a linked worktree's). Undefined when it is none.
 */
function commonOfGitDirectory(dir: string): string | undefined {
	// lstat: an old-style HEAD is a symlink, dangling in a repository with no commit yet.
	if (!fs.lstatSync(path.join(dir, 'HEAD'), {throwIfNoEntry: false})) {
		return undefined;
	}

	const named = readSmall(path.join(dir, 'commondir'))?.trim();
	const common = named ? path.resolve(dir, named) : dir;
	return isFolder(path.join(common, 'objects')) && isFolder(path.join(common, 'refs')) ? common : undefined;
}

function isFolder(file: string): boolean {
	return fs.statSync(file, {throwIfNoEntry: false})?.isDirectory() === true;
}

function realPath(file: string): string {
	try {
		return fs.realpathSync.native(file);
	} catch {
		return path.resolve(file);
	}
}

function readSmall(file: string): string | undefined {
	try {
		return fs.readFileSync(file, 'utf8').slice(0, 4096);
	} catch {
		return undefined;
	}
}
