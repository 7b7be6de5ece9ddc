import fs from 'node:fs';
import path from 'node:path';
import type {RepoConfig} from '../config/schema.ts';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {git, gitOk} from './git.ts';
import {readWorktreeRecord, worktreeRecordExists, writeWorktreeRecord, type WorktreeRecord} from './worktree-record.ts';

/** What a run in a repository's worktree needs to know, and what its result's `repo` is built from. */
export type RepoRun = Pick<WorktreeRecord, 'repo' | 'repoPath' | 'worktree' | 'branch' | 'base' | 'baseCommit'>;

/** The branch a task's worktree is on: one per task id, never the person's own. */
export function branchOf(worker: string, id: string): string {
	return `spool/${worker}/${id}`;
}

/**
 * The task's worktree of `repo` at workspaces/WORKER/ID/, on the branch spool/WORKER/ID from `base`:
 * made on the first run, reused as it is by every later run of the same id (a retry, a resumed session,
 * a loop restarted after a crash). The claim guarantees one run per id at a time, so two loops never
 * make it at once. Only `git worktree add` touches the repository: its working tree, index, HEAD and
 * current branch stay as the person left them.
 */
export async function ensureWorktree(layout: Layout, worker: string, id: string, name: string, repo: RepoConfig): Promise<{run: RepoRun} | TaskError> {
	const dir = layout.workspace(worker, id);
	const recordFile = layout.worktreeRecord(worker, id);
	const branch = branchOf(worker, id);
	const top = await repositoryOf(repo.path);
	if ('code' in top) {
		return top;
	}

	const recorded = readWorktreeRecord(recordFile);
	if (!recorded && worktreeRecordExists(recordFile)) {
		return invalid(`${path.relative(layout.home, recordFile)} cannot be read as a worktree record; remove it (and workspaces/${worker}/${id}/) to start afresh`);
	}

	if (recorded && (recorded.repo !== name || recorded.repoPath !== top.path)) {
		return invalid(`workspaces/${worker}/${id}/ is a worktree of repository "${recorded.repo}" (${recorded.repoPath}) from an earlier run of this id, not of "${name}"; use another id or run spool clean`);
	}

	let record = recorded;
	if (!record) {
		const refCheck = await git(top.path, ['check-ref-format', `refs/heads/${branch}`]);
		if (refCheck.code !== 0) {
			return invalid(`the task id "${id}" cannot name a git branch (${branch}); use an id without ".." or a trailing ".lock"`);
		}

		const baseCommit = await git(top.path, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${repo.base}^{commit}`]);
		if (baseCommit.code !== 0) {
			return invalid(`repository "${name}" (${top.path}) has no base "${repo.base}" (no such branch, tag or commit)`);
		}

		if (await branchExists(top.path, branch)) {
			return invalid(`repository "${name}" already has a branch ${branch}, from an earlier run of this id whose worktree is gone; delete it (git branch -D ${branch}) or use another id`);
		}

		if (!isEmptyOrMissing(dir)) {
			return invalid(`workspaces/${worker}/${id}/ exists and is not a worktree spool made; remove it or use another id`);
		}

		fs.mkdirSync(path.dirname(dir), {recursive: true});
		record = await writeWorktreeRecord(recordFile, {repo: name, repoPath: top.path, worktree: dir, branch, base: repo.base, baseCommit: baseCommit.stdout.trim()});
	}

	const run = runOf(record);
	if (await isWorktreeOf(dir, top.commonDir, branch)) {
		return {run};
	}

	if (!isEmptyOrMissing(dir)) {
		return invalid(`workspaces/${worker}/${id}/ should be the worktree of ${branch} but is not; remove it (its files are not in the repository) or use another id`);
	}

	// The branch exists when an earlier run's worktree was removed by hand: it is attached again, with what was committed on it.
	const args = (await branchExists(top.path, branch)) ? ['worktree', 'add', dir, branch] : ['worktree', 'add', '-b', branch, dir, record.baseCommit];
	try {
		fs.rmSync(dir, {recursive: true, force: true});
		await gitOk(top.path, args);
	} catch (error) {
		return invalid(`cannot make the worktree: ${(error as Error).message}`);
	}

	return {run};
}

/**
 * The worktree a task with `worktreeOf: "WORKER/ID"` runs in: that task's, as it left it. The task named
 * must have made one (its record and the worktree are there).
 */
export async function worktreeOfTask(layout: Layout, ref: string): Promise<{run: RepoRun} | TaskError> {
	const [worker, id] = ref.split('/') as [string, string];
	const record = readWorktreeRecord(layout.worktreeRecord(worker, id));
	if (!record) {
		return invalid(`worktreeOf: task ${ref} has no worktree (it named no repo, has not run yet, or spool clean removed it)`);
	}

	const top = await repositoryOf(record.repoPath);
	if ('code' in top || !(await isWorktreeOf(record.worktree, top.commonDir, record.branch))) {
		return invalid(`worktreeOf: the worktree of ${ref} (${path.relative(layout.home, record.worktree)}/, branch ${record.branch}) is gone`);
	}

	return {run: runOf(record)};
}

/** The top folder and the shared .git of the repository at `folder`; repo_invalid when it is none. */
export async function repositoryOf(folder: string): Promise<{path: string; commonDir: string} | TaskError> {
	if (!fs.existsSync(folder)) {
		return invalid(`repository ${folder} does not exist`);
	}

	const out = await git(folder, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir']);
	const [top, commonDir] = out.stdout.trim().split('\n');
	if (out.code !== 0 || !top || !commonDir) {
		return invalid(`${folder} is not a git repository (${out.stderr.trim() || 'no work tree'})`);
	}

	return {path: fs.realpathSync(top), commonDir: fs.realpathSync(commonDir)};
}

/** True when `dir` is itself the top of a worktree of that repository with `branch` checked out (not a folder inside some other repository). */
export async function isWorktreeOf(dir: string, commonDir: string, branch: string): Promise<boolean> {
	if (!fs.existsSync(path.join(dir, '.git'))) {
		return false;
	}

	const out = await git(dir, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir', '--symbolic-full-name', 'HEAD']);
	const [top, common, head] = out.stdout.trim().split('\n');
	return out.code === 0 && top !== undefined && common !== undefined && fs.realpathSync(top) === fs.realpathSync(dir) && fs.realpathSync(common) === commonDir && head === `refs/heads/${branch}`;
}

async function branchExists(repo: string, branch: string): Promise<boolean> {
	return (await git(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0;
}

function isEmptyOrMissing(dir: string): boolean {
	try {
		return fs.readdirSync(dir).length === 0;
	} catch {
		return true;
	}
}

function runOf(record: WorktreeRecord): RepoRun {
	const {repo, repoPath, worktree, branch, base, baseCommit} = record;
	return {repo, repoPath, worktree, branch, base, baseCommit};
}

function invalid(message: string): TaskError {
	return {code: 'repo_invalid', message};
}
