import path from 'node:path';
import {loadConfig} from '../../config/load.ts';
import {findTask, type TaskEntry} from '../../control/find.ts';
import {readTranscriptTail, renderTranscript} from '../../control/transcript.ts';
import {createLayout, type Layout} from '../../queue/layout.ts';
import {entryKindAt} from '../../queue/read-file.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {formatUsd} from '../table.ts';
import type {Command} from './index.ts';
import {runStartedAt} from './list.ts';

export const showCommand: Command = {
	usage: 'show [WORKER/]ID',
	summary: 'everything about one task: state, files, attempts, cost, the end of its transcript',
	help: `
Options:
  -n N     transcript lines to show (default 20)
  --json   the task, its result and its files as JSON
An id found under two workers must be named WORKER/ID.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {n: {type: 'string', short: 'n'}, json: {type: 'boolean'}});
		if (positionals.length !== 1) {
			throw new CliUsageError('name one task, as ID or WORKER/ID');
		}

		const lines = values.n === undefined ? 20 : Number(values.n);
		if (!Number.isInteger(lines) || lines < 0) {
			throw new CliUsageError(`-n must be a whole number; got "${values.n}"`);
		}

		const config = loadConfig();
		const layout = createLayout(config.home);
		const entry = findTask(config, positionals[0]!);
		const files = filesOf(layout, entry);
		const events = readTranscriptTail(layout.transcriptFile(entry.worker, entry.id));
		if (values.json) {
			const {result, task, file: _file, ...rest} = entry;
			console.log(JSON.stringify({...rest, files, task: task ?? null, result: result ?? null, transcript: renderTranscript(events, lines)}, null, 2));
			return 0;
		}

		console.log(describe(layout, entry, files, renderTranscript(events, lines)).join('\n'));
		return 0;
	},
};

/** The files that hold this task, relative to the home, by what each is. */
function filesOf(layout: Layout, entry: TaskEntry): Record<string, string> {
	const relative = (file: string) => path.relative(layout.home, file);
	const files: Record<string, string> = {[entry.where === 'finished' ? 'result' : entry.where === 'running' ? 'claim' : 'task']: relative(entry.file)};
	if (entry.where !== 'finished' && entryKindAt(layout.resultFile(entry.worker, entry.id))) {
		files.earlierResult = relative(layout.resultFile(entry.worker, entry.id));
	}

	if (entryKindAt(layout.transcriptFile(entry.worker, entry.id))) {
		files.transcript = relative(layout.transcriptFile(entry.worker, entry.id));
	}

	if (entry.result?.rejectedFile) {
		files.rejectedOriginal = entry.result.rejectedFile;
	}

	if (entry.result?.cwd) {
		files.cwd = entry.result.cwd;
	}

	return files;
}

function describe(layout: Layout, entry: TaskEntry, files: Record<string, string>, transcript: string[]): string[] {
	const {result, task} = entry;
	const out = [`${entry.worker}/${entry.id}: ${entry.state}${entry.until ? ` until ${entry.until}` : ''}${entry.workflow ? ` (workflow ${entry.workflow})` : ''}`];
	if (entry.state === 'running') {
		const started = entry.attempt === undefined ? undefined : runStartedAt(layout, entry);
		out.push(`  attempt ${entry.attempts ?? '?'} in loop ${entry.owner}${started === undefined ? ', not started yet' : `, since ${new Date(started).toISOString()}`}`);
	}

	out.push('', 'files:', ...Object.entries(files).map(([what, file]) => `  ${what.padEnd(16)} ${file}`));
	if (task) {
		out.push('', 'task:', ...indent(String(task.prompt ?? '(no prompt)'), 12));
		const fields = Object.entries(task).filter(([key]) => !['prompt', 'history', 'attempts'].includes(key));
		out.push(...fields.map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`));
	} else {
		out.push('', 'task: (its file cannot be read as JSON)');
	}

	const history = result?.history ?? (Array.isArray(task?.history) ? (task.history as Array<Record<string, any>>) : []);
	const attempts = history.map(record => `  ${record.attempt}. ${record.error?.code}: ${record.error?.message}${typeof record.costUsd === 'number' ? ` (${formatUsd(record.costUsd)})` : ''} at ${record.finishedAt}`);
	if (result) {
		const how = result.error ? `${result.error.code}: ${result.error.message}` : 'succeeded';
		attempts.push(`  ${result.attempts}. ${how} (${formatUsd(result.costUsd)}, ${(result.durationMs / 1000).toFixed(1)}s) at ${result.finishedAt}`);
	}

	if (attempts.length > 0) {
		out.push('', 'attempts:', ...attempts);
	}

	out.push('', `cost: ${formatUsd(entry.costUsd)}${result ? `   session: ${result.sessionId ?? '-'}   model: ${result.model ?? '-'}` : ''}`);
	if (result?.status === 'succeeded' && result.result) {
		out.push('', 'result:', ...indent(result.result, 20));
	}

	if (transcript.length > 0) {
		out.push('', `transcript (last ${transcript.length} lines; ${files.transcript}):`, ...transcript);
	}

	return out;
}

/** A text indented by two, at most `max` lines of it. */
function indent(text: string, max: number): string[] {
	const lines = text.split('\n');
	const shown = lines.slice(0, max).map(line => `  ${line}`);
	return lines.length > max ? [...shown, `  … (${lines.length - max} more lines)`] : shown;
}
