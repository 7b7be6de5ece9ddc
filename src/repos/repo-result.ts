import path from 'node:path';
import {z} from 'zod';
import type {Layout} from '../queue/layout.ts';
import {savePatch} from './change.ts';
import type {RepoRun} from './worktree.ts';

/** A result's `repo`: where a repo task ran, and the change it left against its base commit. */
export const repoResultSchema = z.looseObject({
	name: z.string().describe("The repository's name in spool.yaml."),
	path: z.string().describe("The person's checkout (never touched)."),
	worktree: z.string().describe('The worktree the task ran in (workspaces/WORKER/ID, or the one of its worktreeOf).'),
	branch: z.string().describe('The worktree\'s branch: spool/WORKER/ID.'),
	base: z.string().describe('The base as spool.yaml names it.'),
	baseCommit: z.string().describe('The commit the base named when the worktree was made; the patch applies to it.'),
	changedFiles: z.array(z.string()).describe('Every path the change adds, changes or deletes.'),
	diffStat: z.object({files: z.number().int(), insertions: z.number().int(), deletions: z.number().int()}),
	patch: z.string().nullable().describe('results/WORKER/ID.patch, relative to the home: the whole change, new and binary files included (`git apply` on baseCommit); null when it could not be written.'),
	patchError: z.string().optional().describe('Why the patch could not be written.'),
});

export type RepoResult = z.output<typeof repoResultSchema>;

/**
 * Saves what the run changed in its worktree to results/WORKER/ID.patch and says so for the result. A
 * patch that cannot be made never costs the run its result: `patch` is then null, with the reason, and
 * spool clean keeps the worktree.
 */
export async function saveRepoChange(layout: Layout, worker: string, id: string, run: RepoRun): Promise<RepoResult> {
	const fields = {name: run.repo, path: run.repoPath, worktree: run.worktree, branch: run.branch, base: run.base, baseCommit: run.baseCommit};
	const file = layout.patchFile(worker, id);
	try {
		const summary = await savePatch(run, file);
		return {...fields, ...summary, patch: path.relative(layout.home, file)};
	} catch (error) {
		return {...fields, changedFiles: [], diffStat: {files: 0, insertions: 0, deletions: 0}, patch: null, patchError: (error as Error).message};
	}
}
