import path from 'node:path';
import {loadConfig} from '../../config/load.ts';
import {parseSpan} from '../../config/duration.ts';
import {cleanHome, type CleanItem, type CleanKind} from '../../control/clean.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

const NAMES: Record<CleanKind, string> = {result: 'results', transcript: 'transcripts', patch: 'patches', history: 'earlier results in .history', rejected: 'rejected originals', workspace: 'workspaces', worktree: 'worktrees'};

export const cleanCommand: Command = {
	usage: 'clean [--older-than 7d] [--dry-run] [--delete]',
	summary: 'move finished results, transcripts, rejected originals and workspaces into archive/',
	help: `
Moves what finished more than --older-than ago (default 7d) into archive/, under the same paths, or
deletes it with --delete. A pending or running task is never touched, nor its transcript or
workspace. A repo task's worktree is removed (git worktree remove) only when its change is saved in
its patch; one with changes beyond it is kept, with its result and patch, and the reason printed.
--dry-run prints what would go; --json lists every file.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {'older-than': {type: 'string'}, 'dry-run': {type: 'boolean'}, delete: {type: 'boolean'}, json: {type: 'boolean'}});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const olderThanMs = parseSpan(values['older-than'] ?? '7d');
		if (olderThanMs === undefined) {
			throw new CliUsageError(`--older-than must be a duration such as "7d", "12h" or "30m"; got "${values['older-than']}"`);
		}

		const config = loadConfig();
		const items = await cleanHome(config, {olderThanMs, dryRun: values['dry-run'], delete: values.delete});
		if (values.json) {
			console.log(JSON.stringify(items.map(item => ({...item, file: path.relative(config.home, item.file), to: item.to && path.relative(config.home, item.to)})), null, 2));
			return 0;
		}

		console.log(summarize(items.filter(item => item.kept === undefined), values['older-than'] ?? '7d', values['dry-run'] === true, values.delete === true));
		for (const item of items) {
			if (item.kept !== undefined) {
				console.log(`kept ${path.relative(config.home, item.file)}/: ${item.kept}`);
			} else if (item.branchKept !== undefined) {
				console.log(`kept branch ${item.branchKept}: it has commits`);
			}
		}
		return 0;
	},
};

function summarize(items: CleanItem[], olderThan: string, dryRun: boolean, remove: boolean): string {
	if (items.length === 0) {
		return `nothing finished more than ${olderThan} ago`;
	}

	const counts = (Object.keys(NAMES) as CleanKind[]).filter(kind => kind !== 'worktree').map(kind => [kind, items.filter(item => item.kind === kind).length] as const).filter(([, count]) => count > 0);
	const what = counts.map(([kind, count]) => `${count} ${NAMES[kind]}`).join(', ');
	const verb = dryRun ? (remove ? 'would delete' : 'would move') : remove ? 'deleted' : 'moved';
	const worktrees = items.filter(item => item.kind === 'worktree').length;
	const moved = what === '' ? '' : `${verb} ${what} (finished more than ${olderThan} ago)${remove ? '' : ' to archive/'}`;
	// A worktree is never moved: git removes it, its change being in the patch that moves with its result.
	const removed = worktrees === 0 ? '' : `${dryRun ? 'would remove' : 'removed'} ${worktrees} worktrees${what === '' ? ` (finished more than ${olderThan} ago)` : ''}`;
	return [moved, removed].filter(Boolean).join('; ');
}
