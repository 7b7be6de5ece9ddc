import {getWorker, loadConfig} from '../../config/load.ts';
import type {TaskEntry} from '../../control/find.ts';
import {listTasks} from '../../control/list.ts';
import {readRun} from '../../control/transcript.ts';
import {isQueueState, TASK_STATES, type QueueState} from '../../lifecycle/states.ts';
import {createLayout, type Layout} from '../../queue/layout.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {formatSpan, formatUsd, printTable} from '../table.ts';
import type {Command} from './index.ts';

export const listCommand: Command = {
	usage: 'list [WORKER] [--state S] [--workflow ID]',
	summary: 'one line per task, newest first: state, attempt, time, cost, workflow',
	help: `
Options:
  --state S       only tasks in state S: ${TASK_STATES.join(', ')}
  --workflow ID   only the tasks of workflow ID
  --limit N       at most N tasks (default 50; 0 for all)
  --json          the same as JSON
TIME: how long a pending task has waited, when a delayed one may run, how long a running one has run,
or how long ago a finished one ended.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {state: {type: 'string'}, workflow: {type: 'string'}, limit: {type: 'string'}, json: {type: 'boolean'}});
		if (positionals.length > 1) {
			throw new CliUsageError(`expected at most one worker name, got ${positionals.length}`);
		}

		if (values.state !== undefined && !isQueueState(values.state)) {
			throw new CliUsageError(`unknown state "${values.state}": use one of ${TASK_STATES.join(', ')}`);
		}

		const limit = values.limit === undefined ? 50 : Number(values.limit);
		if (!Number.isInteger(limit) || limit < 0) {
			throw new CliUsageError(`--limit must be a whole number, 0 for all; got "${values.limit}"`);
		}

		const config = loadConfig();
		const worker = positionals[0] === undefined ? undefined : getWorker(config, positionals[0]).name;
		const state = values.state as QueueState | undefined;
		const listing = listTasks(config, {worker, state, workflow: values.workflow, limit});
		const layout = createLayout(config.home);
		if (values.json) {
			console.log(JSON.stringify({tasks: listing.tasks.map(entry => toJson(layout, entry)), total: listing.total, more: listing.more}, null, 2));
			return 0;
		}

		if (listing.tasks.length === 0) {
			console.log(listing.total === 0 ? 'no tasks' : `no tasks in state ${values.state}`);
			return 0;
		}

		const now = Date.now();
		printTable(
			['WORKER', 'ID', 'STATE', 'ATTEMPT', 'TIME', 'COST', 'WORKFLOW'],
			listing.tasks.map(entry => [entry.worker, entry.id, entry.state, entry.attempts === null ? '-' : String(entry.attempts), timeOf(layout, entry, now), formatUsd(entry.costUsd), entry.workflow ?? '']),
		);
		if (listing.more) {
			console.log(`(the newest ${listing.tasks.length} shown; --limit N or --limit 0 for more)`);
		}

		return 0;
	},
};

function timeOf(layout: Layout, entry: TaskEntry, now: number): string {
	switch (entry.state) {
		case 'pending': {
			return `waited ${formatSpan(now - entry.mtimeMs)}`;
		}

		case 'delayed': {
			return `in ${formatSpan(Date.parse(entry.until!) - now)}`;
		}

		case 'running': {
			const started = readRun(layout, entry)?.startedAt;
			return started === undefined ? 'claimed' : `for ${formatSpan(now - started)}`;
		}

		default: {
			const finished = entry.result ? Date.parse(entry.result.finishedAt) : entry.mtimeMs;
			return `${formatSpan(now - finished)} ago`;
		}
	}
}

function toJson(layout: Layout, entry: TaskEntry): Record<string, unknown> {
	const {result: _result, task: _task, file, ...rest} = entry;
	return {...rest, file: file.slice(layout.home.length + 1), ...(entry.result ? {error: entry.result.error, finishedAt: entry.result.finishedAt} : {})};
}
