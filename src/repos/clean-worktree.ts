import fs from 'node:fs';
import path from 'node:path';
import type {Layout} from '../queue/layout.ts';
import type {TaskResult} from '../queue/result.ts';
import {currentPatch} from './change.ts';
import {git, gitOk} from './git.ts';
import {isWorktreeOf, repositoryOf} from './worktree.ts';
import {readWorktreeRecord, type WorktreeRecord} from './worktree-record.ts';

/** What spool clean may do with a finished task's worktree, and why not when it may not. */
export type WorktreeVerdict = {action: 'remove'; record: WorktreeRecord} | {action: 'forget'; record: WorktreeRecord} | {action: 'keep'; reason: string};

/**
 * A finished task's worktree goes only when what it holds is saved: the change recomputed now (the same
 * diff against the base commit, untracked files included) is byte for byte the saved results/W/ID.patch,
 * and no live task is to continue in it (worktreeOf). Anything else keeps it, with the reason: a worktree
 * with unsaved changes is never deleted. `forget`: the worktree is gone already; only its record is left.
 */
export async function judgeWorktree(layout: Layout, worker: string, id: string, result: TaskResult, continuedBy: readonly string[]): Promise<WorktreeVerdict> {
	const record = readWorktreeRecord(layout.worktreeRecord(worker, id));
	if (!record) {
		return {action: 'keep', reason: `its worktree record ${path.relative(layout.home, layout.worktreeRecord(worker, id))} cannot be read`};
	}

	if (continuedBy.length > 0) {
		return {action: 'keep', reason: `${continuedBy.join(', ')} is to run in it (worktreeOf)`};
	}

	const top = await repositoryOf(record.repoPath);
	// Only the worktree spool made for this task, never the person's checkout, whatever a record says.
	if (record.worktree !== layout.workspace(worker, id) || ('path' in top && fs.realpathSync(top.path) === safeRealpath(record.worktree))) {
		return {action: 'keep', reason: `its record names ${record.worktree}, which is not the worktree spool made for it`};
	}

	if (!fs.existsSync(record.worktree)) {
		return {action: 'forget', record};
	}

	if ('code' in top || !(await isWorktreeOf(record.worktree, top.commonDir, record.branch))) {
		return {action: 'keep', reason: `it is no longer a worktree of ${record.repoPath} on ${record.branch}`};
	}

	const patchFile = layout.patchFile(worker, id);
	if (result.repo?.patch == null || !fs.existsSync(patchFile)) {
		return {action: 'keep', reason: 'its change was never saved as a patch'};
	}

	try {
		const now = await currentPatch(record);
		if (!now.equals(fs.readFileSync(patchFile))) {
			return {action: 'keep', reason: `it holds changes beyond the saved ${path.relative(layout.home, patchFile)}`};
		}

		// A git repository inside the worktree is in the patch as its commit only (a gitlink), never its files.
		return /^(new file mode|index [0-9a-f]+\.\.[0-9a-f]+) 160000/m.test(now.toString('latin1'))
			? {action: 'keep', reason: 'it holds a git repository of its own, which a patch saves only as a commit id'}
			: {action: 'remove', record};
	} catch (error) {
		return {action: 'keep', reason: `its change cannot be read (${(error as Error).message})`};
	}
}

/**
 * Removes the worktree (`git worktree remove`; what .gitignore ignores goes with it) and its record. The
 * branch is deleted only while it still points at the base commit (nothing was ever committed on it),
 * atomically (`update-ref -d` with the expected value); a branch with commits is kept and named.
 */
export async function removeWorktree(layout: Layout, worker: string, id: string, record: WorktreeRecord, exists: boolean): Promise<{branchKept: boolean}> {
	if (exists) {
		// --force: the check above proved every change, untracked files too, is in the saved patch.
		await gitOk(record.repoPath, ['worktree', 'remove', '--force', record.worktree]);
	}

	const tip = await git(record.repoPath, ['rev-parse', '--verify', '--quiet', `refs/heads/${record.branch}`]);
	let branchKept = false;
	if (tip.code === 0 && tip.stdout.trim() === record.baseCommit) {
		await gitOk(record.repoPath, ['update-ref', '-d', `refs/heads/${record.branch}`, record.baseCommit]);
	} else {
		branchKept = tip.code === 0;
	}

	fs.rmSync(layout.worktreeRecord(worker, id), {force: true});
	return {branchKept};
}

function safeRealpath(file: string): string | undefined {
	try {
		return fs.realpathSync(file);
	} catch {
		return undefined;
	}
}
