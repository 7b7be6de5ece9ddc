import fs from 'node:fs/promises';
import path from 'node:path';
import {watch} from 'chokidar';
import {getWorker, loadConfig} from '../../config/load.ts';
import {createLayout} from '../../queue/layout.ts';
import {isTaskFileName} from '../../lifecycle/names.ts';
import {readResultFile, type TaskResult} from '../../queue/result.ts';
import {createWorkflowLayout} from '../../orchestrator/store.ts';
import {followWorkflow} from '../follow-workflow.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {onShutdownSignals} from '../signals.ts';
import type {Command} from './index.ts';

export const tailCommand: Command = {
	usage: 'tail [WORKER | --workflow ID]',
	summary: 'follow results as they land (all workers, one, or one workflow)',
	help: `
Prints one line per finished task: time, worker/id, status, duration, cost, and the first line of
the result or error. Options: -n N prints the N latest results first (default 10); --json prints
each result as one JSON line.
--workflow ID follows one workflow instead: a line per task as it is queued, finishes or is
skipped, then a line for the workflow; exits 0 when it succeeded, 1 when it failed or was rejected.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {n: {type: 'string', short: 'n'}, json: {type: 'boolean'}, workflow: {type: 'string'}});
		if (positionals.length > 1 || (values.workflow !== undefined && positionals.length > 0)) {
			throw new CliUsageError('expected at most one worker name, or --workflow ID');
		}

		const config = loadConfig();
		if (values.workflow !== undefined) {
			const stop = new AbortController();
			const removeHandlers = onShutdownSignals(() => stop.abort(), () => stop.abort());
			const code = await followWorkflow(createLayout(config.home), createWorkflowLayout(config.home), values.workflow, stop.signal);
			removeHandlers();
			return code;
		}

		const workers = positionals[0] ? [getWorker(config, positionals[0]).name] : Object.keys(config.workers);
		const layout = createLayout(config.home);
		const print = (result: TaskResult) => console.log(values.json ? JSON.stringify(result) : formatResult(result));
		const seen = new Map<string, string>();
		const latest: TaskResult[] = [];
		for (const worker of workers) {
			await fs.mkdir(layout.results(worker), {recursive: true});
			for (const name of (await fs.readdir(layout.results(worker))).filter(name => isTaskFileName(name))) {
				const file = path.join(layout.results(worker), name);
				const result = readResultFile(file);
				if (result) {
					seen.set(file, result.runId);
					latest.push(result);
				}
			}
		}

		const count = values.n === undefined ? 10 : Number(values.n);
		latest.sort((a, b) => a.finishedAt.localeCompare(b.finishedAt)).slice(Math.max(0, latest.length - count)).forEach(print);
		const watcher = watch(workers.map(worker => layout.results(worker)), {depth: 0, ignoreInitial: true});
		const onFile = async (file: string) => {
			if (!isTaskFileName(path.basename(file))) {
				return;
			}

			const result = readResultFile(file);
			if (result && seen.get(file) !== result.runId) {
				seen.set(file, result.runId);
				print(result);
			}
		};

		watcher.on('add', file => void onFile(file));
		watcher.on('change', file => void onFile(file));
		await new Promise<void>(resolve => {
			onShutdownSignals(() => resolve(), () => resolve());
		});
		await watcher.close();
		return 0;
	},
};

export function formatResult(result: TaskResult): string {
	const text = (result.status === 'succeeded' ? result.result : result.error?.message) ?? '';
	const firstLine = text.split('\n')[0]!.slice(0, 100);
	const seconds = (result.durationMs / 1000).toFixed(1);
	return `${result.finishedAt.slice(11, 19)} ${result.worker}/${result.id} ${result.status} ${seconds}s $${result.costUsd.toFixed(4)} ${firstLine}`;
}
