import fs from 'node:fs';
import path from 'node:path';
import type {TaskError} from '../queue/error-codes.ts';
import type {Layout} from '../queue/layout.ts';
import {guardPath} from '../queue/path-guard.ts';
import {codePaths, isAtOrInside, isInside} from '../sandbox/protected-paths.ts';
import type {Task} from '../queue/task-schema.ts';
import {ensureWorktree, worktreeOfTask, type RepoRun} from '../repos/worktree.ts';

/**
 * Where a task runs, and in which repository's worktree when it names one: `repo` gives it a worktree
 * of its own at workspaces/WORKER/ID/ (made once, reused by its retries and resumed sessions),
 * `worktreeOf` the worktree an earlier task left. Either one excludes `cwd`.
 */
export async function prepareRun(options: {home: string; cwdRoots: readonly string[]; workers: readonly string[]; repos: Readonly<Record<string, {path: string; base: string}>>; layout: Layout; worker: string; id: string; task: Task}): Promise<{cwd: string; repo?: RepoRun} | TaskError> {
	const {task, layout, worker, id} = options;
	if (task.repo === undefined && task.worktreeOf === undefined) {
		return prepareCwd({home: options.home, cwdRoots: options.cwdRoots, workers: options.workers, taskCwd: task.cwd, workspace: layout.workspace(worker, id)});
	}

	if (task.cwd !== undefined) {
		return {code: 'invalid_task', message: `cwd: a task with ${task.repo === undefined ? 'worktreeOf' : 'repo'} runs in its worktree; leave cwd out`};
	}

	if (task.worktreeOf !== undefined) {
		if (task.worktreeOf === `${worker}/${id}`) {
			return {code: 'repo_invalid', message: 'worktreeOf: names the task itself; name the earlier task whose worktree this one continues in'};
		}

		const found = await worktreeOfTask(layout, task.worktreeOf);
		if ('code' in found) {
			return found;
		}

		if (task.repo !== undefined && task.repo !== found.run.repo) {
			return {code: 'repo_invalid', message: `repo: "${task.repo}", but the worktree of ${task.worktreeOf} is one of "${found.run.repo}"`};
		}

		return {cwd: found.run.worktree, repo: found.run};
	}

	const repo = options.repos[task.repo!];
	if (!repo) {
		const known = Object.keys(options.repos);
		return {code: 'repo_invalid', message: `repo: no repository "${task.repo}" in spool.yaml (${known.length > 0 ? `repos: ${known.join(', ')}` : 'it has no repos'})`};
	}

	const made = await ensureWorktree(layout, worker, id, task.repo!, repo);
	return 'code' in made ? made : {cwd: made.run.worktree, repo: made.run};
}

/**
 * Where a task runs: its own `cwd` (relative to SPOOL_HOME, under one of the allowed roots, and never in
 * an auth home or spool's own state) or a fresh workspace folder of its own.
 */
export async function prepareCwd(options: {home: string; cwdRoots: readonly string[]; workers?: readonly string[]; taskCwd?: string; workspace: string}): Promise<{cwd: string} | TaskError> {
	if (options.taskCwd === undefined) {
		fs.mkdirSync(options.workspace, {recursive: true});
		return {cwd: options.workspace};
	}

	const guarded = await guardPath(options.taskCwd, {base: options.home, home: options.home, roots: options.cwdRoots, what: 'cwd'});
	if (!guarded.ok) {
		return {code: guarded.reason === 'protected' ? 'cwd_forbidden' : 'invalid_task', message: guarded.why};
	}

	if (!fs.statSync(guarded.real).isDirectory()) {
		return {code: 'invalid_task', message: `cwd: ${JSON.stringify(options.taskCwd)} is not a directory`};
	}

	const spoolOwn = ownFolderHit(guarded.real, options.home, options.workers ?? []);
	if (spoolOwn) {
		return {code: 'cwd_forbidden', message: `cwd: ${JSON.stringify(options.taskCwd)} ${spoolOwn}; a task may write everywhere in its cwd, so it cannot be one of those. Use a repository, a folder of your own, or leave cwd out for a fresh workspace`};
	}

	return {cwd: guarded.real};
}

/**
 * Why a cwd would let a task change spool itself, if it would: it holds spool's code (its hooks and MCP
 * server run that code outside the sandbox), or it is workspaces/ or a worker's folder in it, which
 * hold every task's workspace and worktree records.
 */
function ownFolderHit(real: string, home: string, workers: readonly string[]): string | undefined {
	const code = codePaths('').find(file => isAtOrInside(real, file) || isInside(file, real));
	if (code !== undefined) {
		return `holds spool's own code (${code}), which runs outside the sandbox`;
	}

	const workspaces = path.join(fs.realpathSync(home), 'workspaces');
	if (real === workspaces || (path.dirname(real) === workspaces && workers.includes(path.basename(real)))) {
		return "is workspaces/ or a worker's folder in it, which hold every task's workspace";
	}

	return undefined;
}

/**
 * results/WORKER/ must take this run's result before claude is paid to produce it: re-created when it was
 * deleted; an error naming the folder when it cannot be written (read-only, a full disk is found later).
 */
export function checkResultsWritable(layout: Layout, worker: string): TaskError | undefined {
	const dir = layout.results(worker);
	try {
		fs.mkdirSync(dir, {recursive: true});
		fs.accessSync(dir, fs.constants.W_OK);
		return undefined;
	} catch (error) {
		const {code, message} = error as NodeJS.ErrnoException;
		return {code: 'results_unwritable', message: `${path.relative(layout.home, dir)}/ cannot be written (${code ?? message}); no task of this worker starts until it can`};
	}
}
