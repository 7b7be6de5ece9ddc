import {setTimeout as sleep} from 'node:timers/promises';
import {loadConfig, type Config} from '../../config/load.ts';
import {parseDuration} from '../../config/duration.ts';
import {locateTasks, readTaskEntry} from '../../control/find.ts';
import {readRun} from '../../control/transcript.ts';
import {createLayout, type Layout} from '../../queue/layout.ts';
import {findUnknownFolders, snapshotWorker} from '../../queue/snapshot.ts';
import {snapshotWorkflows, type WorkflowSnapshot} from '../../orchestrator/snapshot.ts';
import {createWorkflowLayout} from '../../orchestrator/store.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {onShutdownSignals} from '../signals.ts';
import {formatSpan, formatTable} from '../table.ts';
import type {Command} from './index.ts';


/** Finished workflows shown in the table; --json has them all. */
const FINISHED_SHOWN = 10;

export const statusCommand: Command = {
	usage: 'status [--json] [--watch]',
	summary: 'count pending, running and finished tasks per worker and per workflow',
	help: `
LOOPS counts the worker loops that run: heartbeat younger than queue.lease, and, on this machine, a
process that is still there. Workflows: running ones first, then the ${FINISHED_SHOWN}
most recently finished; WAITING tasks wait for a dependency, COST includes planning. --json prints
all of it, every workflow included, as one JSON object. --watch redraws in place every second (or
--interval), with each running task's id, run time and current tool call; Ctrl-C ends it.`,
	async run(args) {
		const {values} = parseCommandArgs(args, {json: {type: 'boolean'}, watch: {type: 'boolean'}, interval: {type: 'string'}});
		const intervalMs = parseDuration(values.interval ?? '1s');
		if (intervalMs === undefined || intervalMs < 100) {
			throw new CliUsageError(`--interval must be a duration of at least 100ms such as "2s"; got "${values.interval}"`);
		}

		const config = loadConfig();
		const layout = createLayout(config.home);
		if (values.json) {
			console.log(JSON.stringify(await readStatus(config, layout), null, 2));
			return 0;
		}

		if (!values.watch) {
			console.log(formatStatus(config, layout, await readStatus(config, layout)).join('\n'));
			return 0;
		}

		const stop = new AbortController();
		const removeHandlers = onShutdownSignals(() => stop.abort(), () => stop.abort());
		while (!stop.signal.aborted) {
			const lines = formatStatus(config, layout, await readStatus(config, layout), {running: true});
			// Home, clear to the end: the table is redrawn in place, not scrolled.
			process.stdout.write(`\u001B[H\u001B[2J${new Date().toISOString().slice(11, 19)}  spool status --watch (Ctrl-C to stop)\n\n${lines.join('\n')}\n`);
			await sleep(intervalMs, undefined, {signal: stop.signal}).catch(() => undefined);
		}

		removeHandlers();
		return 0;
	},
};

async function readStatus(config: Config, layout: Layout) {
	const workers = await Promise.all(Object.keys(config.workers).map(async name => snapshotWorker(layout, name, config.queue.lease)));
	const unknownFolders = await findUnknownFolders(layout, Object.keys(config.workers));
	const workflows = snapshotWorkflows(layout, createWorkflowLayout(config.home));
	return {home: config.home, workers, unknownFolders, workflows};
}

function formatStatus(config: Config, layout: Layout, status: Awaited<ReturnType<typeof readStatus>>, options: {running?: boolean} = {}): string[] {
	const {workers, unknownFolders, workflows} = status;
	const header = ['WORKER', 'LOOPS', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DEAD', 'REJECTED', 'CANCELED', 'COST'];
	const out = formatTable(header, workers.map(w => [w.worker, w.loops, w.pending, w.running, w.succeeded, w.failed, w.dead, w.rejected, w.canceled, `$${w.costUsd.toFixed(4)}`].map(String)));
	for (const w of workers.filter(w => w.paused)) {
		out.push('', `${w.worker} is paused (${w.paused})`);
	}

	if (unknownFolders.length > 0) {
		out.push('', `folders in tasks/ that name no worker: ${unknownFolders.join(', ')}`);
	}

	if (options.running) {
		out.push('', ...formatRunning(config, layout));
	}

	if (workflows.length > 0) {
		out.push('', ...formatWorkflows(workflows));
	}

	return out;
}

/** Each running task: its id, attempt, run time and the tool call it is in. */
function formatRunning(config: Config, layout: Layout): string[] {
	const now = Date.now();
	const running = locateTasks(config).filter(location => location.where === 'running').map(location => readTaskEntry(location));
	if (running.length === 0) {
		return ['no task is running'];
	}

	return formatTable(
		['RUNNING', 'ATTEMPT', 'FOR', 'NOW'],
		running.map(entry => {
			const run = readRun(layout, entry);
			return [`${entry.worker}/${entry.id}`, String(entry.attempts ?? '-'), run?.startedAt === undefined ? 'claimed' : formatSpan(now - run.startedAt), run ? (run.tool ?? 'thinking') : ''];
		}),
	);
}

function formatWorkflows(workflows: WorkflowSnapshot[]): string[] {
	const shown = [...workflows.filter(w => w.status === 'running'), ...workflows.filter(w => w.status !== 'running').slice(0, FINISHED_SHOWN)];
	const header = ['WORKFLOW', 'STATUS', 'TASKS', 'SUCCEEDED', 'RUNNING', 'PENDING', 'WAITING', 'FAILED', 'SKIPPED', 'COST'];
	const out = formatTable(
		header,
		shown.map(w => {
			const cost = `$${w.costUsd.toFixed(4)}${w.maxCostUsd === null ? '' : ` of $${w.maxCostUsd}`}`;
			return [w.id, w.status, w.tasks, w.succeeded, w.running, w.pending, w.waiting, w.failed, w.skipped, cost].map(String);
		}),
	);
	if (shown.length < workflows.length) {
		out.push(`(${workflows.length - shown.length} older finished workflows: spool status --json lists them)`);
	}

	return out;
}
