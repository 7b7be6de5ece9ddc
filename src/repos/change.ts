import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {renameDurable, tempPathFor} from '../queue/atomic-write.ts';
import {git, gitOk, gitToFile} from './git.ts';
import type {RepoRun} from './worktree.ts';

/** A task's change in its worktree against the base commit: what a result's `repo` says of it. */
export type ChangeSummary = {changedFiles: string[]; diffStat: {files: number; insertions: number; deletions: number}};

/** Every diff of a change is made the same way, so a patch recomputed later (spool clean) compares byte for byte. */
const DIFF = ['diff', '--cached', '--binary', '--no-renames', '--no-ext-diff', '--no-textconv', '--src-prefix=a/', '--dst-prefix=b/'];

/**
 * Computes the whole change of `worktree` against `baseCommit` (new, deleted and binary files included;
 * what .gitignore ignores is not part of it) and hands it to `use` while the temporary index exists.
 * The worktree's own index is copied, never written: the change is staged into that copy (GIT_INDEX_FILE),
 * so the worktree's index, HEAD and files stay as the run left them, and nothing is committed. The
 * staged files' blobs do land in the repository's object store, as `git add` always does (gc prunes them).
 */
export async function withStagedChange<T>(run: Pick<RepoRun, 'worktree' | 'baseCommit'>, use: (env: Record<string, string>) => Promise<T>): Promise<T> {
	const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-index-'));
	try {
		const index = path.join(temp, 'index');
		const real = await gitOk(run.worktree, ['rev-parse', '--path-format=absolute', '--git-path', 'index']);
		if (fs.existsSync(real)) {
			fs.copyFileSync(real, index);
		}

		const env = {GIT_INDEX_FILE: index};
		await gitOk(run.worktree, ['add', '-A', '--', '.'], env);
		return await use(env);
	} finally {
		fs.rmSync(temp, {recursive: true, force: true});
	}
}

/** Writes the change as a patch `git apply` takes on the base commit, atomically, to `file`, and sums it up. */
export async function savePatch(run: Pick<RepoRun, 'worktree' | 'baseCommit'>, file: string): Promise<ChangeSummary> {
	return withStagedChange(run, async env => {
		const temp = tempPathFor(file);
		try {
			await gitToFile(run.worktree, [...DIFF, run.baseCommit, '--'], temp, env);
			const fd = fs.openSync(temp, 'r');
			try {
				fs.fsyncSync(fd);
			} finally {
				fs.closeSync(fd);
			}

			await renameDurable(temp, file);
		} catch (error) {
			fs.rmSync(temp, {force: true});
			throw error;
		}

		return summarize(run, env);
	});
}

/** The change as it is now, as the bytes savePatch would write: spool clean compares it with the saved patch. */
export async function currentPatch(run: Pick<RepoRun, 'worktree' | 'baseCommit'>): Promise<Buffer> {
	return withStagedChange(run, async env => {
		const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-patch-'));
		try {
			const file = path.join(temp, 'change.patch');
			await gitToFile(run.worktree, [...DIFF, run.baseCommit, '--'], file, env);
			return fs.readFileSync(file);
		} finally {
			fs.rmSync(temp, {recursive: true, force: true});
		}
	});
}

async function summarize(run: Pick<RepoRun, 'worktree' | 'baseCommit'>, env: Record<string, string>): Promise<ChangeSummary> {
	const out = await git(run.worktree, ['diff', '--cached', '--no-renames', '--numstat', '-z', run.baseCommit, '--'], env);
	const changedFiles: string[] = [];
	let insertions = 0;
	let deletions = 0;
	// -z: "ADDED\tDELETED\tPATH\0" per file; a binary file shows "-" for both.
	for (const entry of out.stdout.split('\0').filter(Boolean)) {
		const [added, deleted, ...rest] = entry.split('\t');
		changedFiles.push(rest.join('\t'));
		insertions += Number(added) || 0;
		deletions += Number(deleted) || 0;
	}

	return {changedFiles, diffStat: {files: changedFiles.length, insertions, deletions}};
}
