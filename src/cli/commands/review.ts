import fs from 'node:fs';
import path from 'node:path';
import {loadConfig} from '../../config/load.ts';
import {reviewTask} from '../../control/review.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const reviewCommand: Command = {
	usage: 'review [WORKER/]ID [--stat]',
	summary: "what a repo task changed: its branch and base, the diffstat and the patch",
	help: `
Prints the task's repository, branch, base commit and worktree, the diffstat, then the whole patch
(results/WORKER/ID.patch, which \`git apply\` takes on the base commit).
Options:
  --stat   the diffstat only
  --json   the result's repo field and the stat as JSON`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {stat: {type: 'boolean'}, json: {type: 'boolean'}});
		if (positionals.length !== 1) {
			throw new CliUsageError('name one task, as ID or WORKER/ID');
		}

		const config = loadConfig();
		const {entry, repo, patchFile, stat} = await reviewTask(config, positionals[0]!);
		if (values.json) {
			console.log(JSON.stringify({worker: entry.worker, id: entry.id, status: entry.state, repo, stat}, null, 2));
			return 0;
		}

		const head = [
			`${entry.worker}/${entry.id}: ${entry.state}, repository ${repo.name} (${repo.path})`,
			`branch ${repo.branch} from ${repo.base} at ${repo.baseCommit.slice(0, 12)}, worktree ${path.relative(config.home, repo.worktree) || repo.worktree}`,
			`patch ${path.relative(config.home, patchFile)}: ${repo.diffStat.files} files, +${repo.diffStat.insertions} -${repo.diffStat.deletions}`,
			'',
			stat === '' ? 'no change' : stat,
		];
		process.stdout.write(`${head.join('\n')}\n`);
		if (!values.stat && stat !== '') {
			process.stdout.write('\n');
			process.stdout.write(fs.readFileSync(patchFile));
		}

		return 0;
	},
};
