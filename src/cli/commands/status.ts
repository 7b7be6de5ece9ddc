import fs from 'node:fs/promises';
import {loadConfig} from '../../config/load.ts';
import {createLayout} from '../../queue/layout.ts';
import {snapshotWorker} from '../../queue/snapshot.ts';
import {snapshotWorkflows, type WorkflowSnapshot} from '../../orchestrator/snapshot.ts';
import {createWorkflowLayout} from '../../orchestrator/store.ts';
import {parseCommandArgs} from '../parse.ts';
import {printTable} from '../table.ts';
import type {Command} from './index.ts';

/** Finished workflows shown in the table; --json has them all. */
const FINISHED_SHOWN = 10;

export const statusCommand: Command = {
	usage: 'status [--json]',
	summary: 'count pending, running and finished tasks per worker and per workflow',
	help: `
LOOPS counts worker loops whose heartbeat is fresh. Workflows: running ones first, then the ${FINISHED_SHOWN}
most recently finished; WAITING tasks wait for a dependency, COST includes planning. --json prints
all of it, every workflow included, as one JSON object.`,
	async run(args) {
		const {values} = parseCommandArgs(args, {json: {type: 'boolean'}});
		const config = loadConfig();
		const layout = createLayout(config.home);
		const workers = await Promise.all(Object.keys(config.workers).map(async name => snapshotWorker(layout, name, config.queue.lease)));
		const folders = await fs.readdir(layout.tasksRoot, {withFileTypes: true}).catch(() => []);
		const unknownFolders = folders.filter(entry => entry.isDirectory() && !entry.name.startsWith('.') && !config.workers[entry.name]).map(entry => entry.name);
		const workflows = snapshotWorkflows(layout, createWorkflowLayout(config.home));
		if (values.json) {
			console.log(JSON.stringify({home: config.home, workers, unknownFolders, workflows}, null, 2));
			return 0;
		}

		const header = ['WORKER', 'LOOPS', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DEAD', 'REJECTED', 'CANCELED', 'COST'];
		printTable(header, workers.map(w => [w.worker, w.loops, w.pending, w.running, w.succeeded, w.failed, w.dead, w.rejected, w.canceled, `$${w.costUsd.toFixed(4)}`].map(String)));
		for (const w of workers.filter(w => w.paused)) {
			console.log(`\n${w.worker} is paused (${w.paused})`);
		}

		if (unknownFolders.length > 0) {
			console.log(`\nfolders in tasks/ that name no worker: ${unknownFolders.join(', ')}`);
		}

		if (workflows.length > 0) {
			console.log('');
			printWorkflows(workflows);
		}

		return 0;
	},
};

function printWorkflows(workflows: WorkflowSnapshot[]): void {
	const shown = [...workflows.filter(w => w.status === 'running'), ...workflows.filter(w => w.status !== 'running').slice(0, FINISHED_SHOWN)];
	const header = ['WORKFLOW', 'STATUS', 'TASKS', 'SUCCEEDED', 'RUNNING', 'PENDING', 'WAITING', 'FAILED', 'SKIPPED', 'COST'];
	printTable(
		header,
		shown.map(w => {
			const cost = `$${w.costUsd.toFixed(4)}${w.maxCostUsd === null ? '' : ` of $${w.maxCostUsd}`}`;
			return [w.id, w.status, w.tasks, w.succeeded, w.running, w.pending, w.waiting, w.failed, w.skipped, cost].map(String);
		}),
	);
	if (shown.length < workflows.length) {
		console.log(`(${workflows.length - shown.length} older finished workflows: spool status --json lists them)`);
	}
}
