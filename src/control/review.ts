import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {createLayout} from '../queue/layout.ts';
import type {RepoResult} from '../repos/repo-result.ts';
import {git} from '../repos/git.ts';
import {findTask, type TaskEntry} from './find.ts';

export type Review = {entry: TaskEntry; repo: RepoResult; patchFile: string; stat: string};

/**
 * What a repo task changed (`spool review`): its result's `repo`, the diffstat and the saved patch.
 * Read from results/WORKER/ID.patch alone, so it shows what was saved even once the worktree is gone.
 */
export async function reviewTask(config: Config, ref: string): Promise<Review> {
	const layout = createLayout(config.home);
	const entry = findTask(config, ref);
	const name = `${entry.worker}/${entry.id}`;
	if (entry.where !== 'finished') {
		throw new SpoolError('no_change', `${name} is ${entry.state}: its change is saved when its run ends`);
	}

	const repo = entry.result?.repo;
	if (!repo) {
		throw new SpoolError('no_change', `${name} named no repo: there is no change to review`);
	}

	if (repo.patch === null) {
		throw new SpoolError('no_change', `${name}'s change could not be saved (${repo.patchError ?? 'no reason recorded'}); look at its worktree ${repo.worktree}`);
	}

	const patchFile = layout.patchFile(entry.worker, entry.id);
	if (!fs.existsSync(patchFile)) {
		throw new SpoolError('no_change', `${path.relative(config.home, patchFile)} is gone (spool clean archives it with the result)`);
	}

	// `git apply --stat` reads the patch alone; it runs in an empty folder so no repository's config is read.
	const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-review-'));
	try {
		if (fs.statSync(patchFile).size === 0) {
			return {entry, repo, patchFile, stat: ''};
		}

		const stat = await git(empty, ['apply', '--stat', patchFile]);
		if (stat.code !== 0) {
			throw new SpoolError('patch_unreadable', `${path.relative(config.home, patchFile)} cannot be read as a patch: ${stat.stderr.trim()}`);
		}

		return {entry, repo, patchFile, stat: stat.stdout.replace(/\n$/, '')};
	} finally {
		fs.rmSync(empty, {recursive: true, force: true});
	}
}
