import fs from 'node:fs';
import {z} from 'zod';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import {readJsonFile} from '../queue/read-file.ts';

/**
 * workspaces/WORKER/.ID.worktree.json: which repository, branch and base commit the task's worktree
 * (workspaces/WORKER/ID/) was made from. Written before `git worktree add`, so a retry, a resumed
 * session or a loop restarted after a crash finds the same base and reuses the worktree instead of
 * making another; removed by `spool clean` with the worktree.
 */
export const worktreeRecordSchema = z.looseObject({
	version: z.literal(1),
	repo: z.string(),
	repoPath: z.string(),
	worktree: z.string(),
	branch: z.string(),
	base: z.string(),
	baseCommit: z.string().regex(/^[0-9a-f]{40,64}$/),
	createdAt: z.string(),
});

export type WorktreeRecord = z.output<typeof worktreeRecordSchema>;

export function readWorktreeRecord(file: string): WorktreeRecord | undefined {
	const parsed = worktreeRecordSchema.safeParse(readJsonFile(file, 64 * 1024));
	return parsed.success ? parsed.data : undefined;
}

export function worktreeRecordExists(file: string): boolean {
	return fs.lstatSync(file, {throwIfNoEntry: false}) !== undefined;
}

export async function writeWorktreeRecord(file: string, record: Pick<WorktreeRecord, 'repo' | 'repoPath' | 'worktree' | 'branch' | 'base' | 'baseCommit'>): Promise<WorktreeRecord> {
	const full: WorktreeRecord = {version: 1, ...record, createdAt: new Date().toISOString()};
	await writeJsonAtomic(file, full);
	return full;
}
