import path from 'node:path';
import {loadConfig} from '../../config/load.ts';
import {parseSpan} from '../../config/duration.ts';
import {cleanHome, type CleanItem, type CleanKind} from '../../control/clean.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

const NAMES: Record<CleanKind, string> = {result: 'results', transcript: 'transcripts', history: 'earlier results in .history', rejected: 'rejected originals', workspace: 'workspaces'};

export const cleanCommand: Command = {
	usage: 'clean [--older-than 7d] [--dry-run] [--delete]',
	summary: 'move finished results, transcripts, rejected originals and workspaces into archive/',
	help: `
Moves what finished more than --older-than ago (default 7d) into archive/, under the same paths, or
deletes it with --delete. A pending or running task is never touched, nor its transcript or
workspace. --dry-run prints what would go; --json lists every file.`,
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
		const items = cleanHome(config, {olderThanMs, dryRun: values['dry-run'], delete: values.delete});
		if (values.json) {
			console.log(JSON.stringify(items.map(item => ({...item, file: path.relative(config.home, item.file), to: item.to && path.relative(config.home, item.to)})), null, 2));
			return 0;
		}

		console.log(summarize(items, values['older-than'] ?? '7d', values['dry-run'] === true, values.delete === true));
		return 0;
	},
};

function summarize(items: CleanItem[], olderThan: string, dryRun: boolean, remove: boolean): string {
	if (items.length === 0) {
		return `nothing finished more than ${olderThan} ago`;
	}

	const counts = (Object.keys(NAMES) as CleanKind[]).map(kind => [kind, items.filter(item => item.kind === kind).length] as const).filter(([, count]) => count > 0);
	const what = counts.map(([kind, count]) => `${count} ${NAMES[kind]}`).join(', ');
	const verb = dryRun ? (remove ? 'would delete' : 'would move') : remove ? 'deleted' : 'moved';
	return `${verb} ${what} (finished more than ${olderThan} ago)${remove ? '' : ' to archive/'}`;
}
