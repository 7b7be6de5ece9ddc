import {loadConfig} from '../../config/load.ts';
import {shownAsJson, showTask, type ShownTask} from '../../control/show.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {formatUsd} from '../table.ts';
import type {Command} from './index.ts';

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
		const shown = showTask(config, positionals[0]!, lines);
		if (values.json) {
			console.log(JSON.stringify(shownAsJson(shown), null, 2));
			return 0;
		}

		console.log(describe(shown).join('\n'));
		return 0;
	},
};

function describe({entry, files, transcript, run}: ShownTask): string[] {
	const {result, task} = entry;
	const out = [`${entry.worker}/${entry.id}: ${entry.state}${entry.until ? ` until ${entry.until}` : ''}${entry.workflow ? ` (workflow ${entry.workflow})` : ''}`];
	if (entry.state === 'running') {
		const started = run?.startedAt;
		out.push(`  attempt ${entry.attempts ?? '?'} in loop ${entry.owner}${started === undefined ? ', not started yet' : `, since ${new Date(started).toISOString()}`}`);
	}

	const asked = [...((result?.questions ?? (Array.isArray(task?.questions) ? task.questions : [])) as Array<Record<string, any>>), ...(task?.ask && entry.state === 'waiting' ? [task.ask as Record<string, any>] : [])];
	if (entry.state === 'waiting') {
		out.push(`  asks: ${String((task?.ask as Record<string, unknown> | undefined)?.question ?? '?')}`, `  answer: spool answer ${entry.worker}/${entry.id} "..." (the question in full: ${files.question ?? 'results/W/ID.question.md'})`);
	}

	out.push('', 'files:', ...Object.entries(files).map(([what, file]) => `  ${what.padEnd(16)} ${file}`));
	if (task) {
		out.push('', 'task:', ...indent(String(task.prompt ?? '(no prompt)'), 12));
		const fields = Object.entries(task).filter(([key]) => !['prompt', 'history', 'attempts', 'ask', 'questions'].includes(key));
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

	if (asked.length > 0) {
		out.push('', 'questions:', ...asked.map(ask => `  - ${ask.question} (${ask.answer === undefined ? 'not answered yet' : `answered by ${ask.answeredBy}: ${String(ask.answer).replaceAll(/\s+/g, ' ').slice(0, 200)}`}; that run ${formatUsd(ask.costUsd ?? 0)})`));
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
