import fs from 'node:fs/promises';
import {loadConfig} from '../../config/load.ts';
import {createLayout} from '../../queue/layout.ts';
import {snapshotWorker} from '../../queue/snapshot.ts';
import {parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const statusCommand: Command = {
	usage: 'status [--json]',
	summary: 'count pending, running and finished tasks per worker',
	help: `
LOOPS counts worker loops whose heartbeat is fresh. --json prints the same as one JSON object.`,
	async run(args) {
		const {values} = parseCommandArgs(args, {json: {type: 'boolean'}});
		const config = loadConfig();
		const layout = createLayout(config.home);
		const workers = await Promise.all(Object.keys(config.workers).map(async name => snapshotWorker(layout, name, config.queue.lease)));
		const folders = await fs.readdir(layout.tasksRoot, {withFileTypes: true}).catch(() => []);
		const unknownFolders = folders.filter(entry => entry.isDirectory() && !entry.name.startsWith('.') && !config.workers[entry.name]).map(entry => entry.name);
		if (values.json) {
			console.log(JSON.stringify({home: config.home, workers, unknownFolders}, null, 2));
			return 0;
		}

		const header = ['WORKER', 'LOOPS', 'PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DEAD', 'REJECTED', 'COST'];
		const rows = workers.map(w => [w.worker, w.loops, w.pending, w.running, w.succeeded, w.failed, w.dead, w.rejected, `$${w.costUsd.toFixed(4)}`].map(String));
		const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => row[column]!.length)));
		for (const row of [header, ...rows]) {
			console.log(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
		}

		for (const w of workers.filter(w => w.paused)) {
			console.log(`\n${w.worker} is paused (${w.paused})`);
		}

		if (unknownFolders.length > 0) {
			console.log(`\nfolders in tasks/ that name no worker: ${unknownFolders.join(', ')}`);
		}

		return 0;
	},
};
