import {execFile, spawn} from 'node:child_process';
import fs from 'node:fs';

/** What one git call did: its exit code and what it said. */
export type GitOutput = {code: number; stdout: string; stderr: string};

/**
 * The environment of every git call spool makes: PATH and HOME only, never the process's own GIT_*
 * variables nor a run's (the safety policy sets GIT_CONFIG_* in a run's environment to refuse commits;
 * spool's own reading of a worktree must not depend on that). LC_ALL=C keeps messages parseable; no
 * prompt can ever wait on a terminal.
 */
export function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
	const env: Record<string, string> = {LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0'};
	for (const key of ['PATH', 'HOME'] as const) {
		const value = process.env[key];
		if (value !== undefined) {
			env[key] = value;
		}
	}

	return {...env, ...extra};
}

/**
 * Options that make a diff read the same whatever the person's config says (noprefix, external diff,
 * colour), and that keep spool's own git from running a program a run may have planted in the
 * repository's config or hooks (core.fsmonitor, hooks; an agent could write .git/config with its file tools).
 */
export const PLAIN_DIFF = ['-c', 'diff.noprefix=false', '-c', 'diff.mnemonicPrefix=false', '-c', 'core.quotePath=true', '-c', 'color.ui=never', '-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', 'diff.external=', '-c', 'core.pager=cat'];

/** Runs `git ARGS` in `cwd` and returns its output; never throws for an exit code. */
export function git(cwd: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<GitOutput> {
	return new Promise(resolve => {
		execFile('git', [...PLAIN_DIFF, ...args], {cwd, env: gitEnv(extraEnv), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8'}, (error, stdout, stderr) => {
			const code = error ? (typeof (error as NodeJS.ErrnoException & {code?: unknown}).code === 'number' ? Number((error as {code: number}).code) : 127) : 0;
			resolve({code, stdout, stderr: error && !stderr ? error.message : stderr});
		});
	});
}

/** Like git(), but throws a GitError naming the call when it fails; returns stdout trimmed. */
export async function gitOk(cwd: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<string> {
	const out = await git(cwd, args, extraEnv);
	if (out.code !== 0) {
		throw new GitError(`git ${args.join(' ')} failed (exit ${out.code}): ${out.stderr.trim() || out.stdout.trim()}`);
	}

	return out.stdout.trim();
}

/** Runs git with its standard output written straight into `file` (a patch of any size, never held in memory). */
export function gitToFile(cwd: string, args: readonly string[], file: string, extraEnv: Record<string, string> = {}): Promise<void> {
	const fd = fs.openSync(file, 'wx', 0o644);
	return new Promise<void>((resolve, reject) => {
		const child = spawn('git', [...PLAIN_DIFF, ...args], {cwd, env: gitEnv(extraEnv), stdio: ['ignore', fd, 'pipe']});
		let stderr = '';
		child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
			stderr = (stderr + chunk).slice(-4096);
		});
		child.on('error', reject);
		child.on('close', code => {
			if (code === 0) {
				resolve();
			} else {
				reject(new GitError(`git ${args.join(' ')} failed (exit ${code}): ${stderr.trim()}`));
			}
		});
	}).finally(() => fs.closeSync(fd));
}

export class GitError extends Error {
	override name = 'GitError';
}
