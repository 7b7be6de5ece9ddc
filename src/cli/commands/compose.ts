import fs from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {COMPOSE_FILE, renderComposeFile} from '../../compose/compose-file.ts';
import {loadConfig} from '../../config/load.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export const composeCommand: Command = {
	usage: 'compose [--check] [--stdout]',
	summary: `write ${COMPOSE_FILE} from spool.yaml: one service per worker, plus the orchestrator`,
	help: `
Writes the file into the spool home. --check writes nothing and exits 1 when the file differs from
what spool.yaml gives (for CI); --stdout prints it instead of writing it. Run it again after adding,
renaming or removing a worker, or after changing queue.drainTimeout (stop_grace_period follows it).`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {check: {type: 'boolean'}, stdout: {type: 'boolean'}});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const config = loadConfig();
		const context = path.relative(config.home, PACKAGE_ROOT).split(path.sep).join('/') || '.';
		const text = renderComposeFile(config, context);
		const file = path.join(config.home, COMPOSE_FILE);
		if (values.stdout) {
			process.stdout.write(text);
			return 0;
		}

		const current = await fs.readFile(file, 'utf8').catch(() => undefined);
		if (values.check) {
			if (current === text) {
				console.log(`${file} matches ${path.basename(config.file)}`);
				return 0;
			}

			console.error(`${file} ${current === undefined ? 'is missing' : `differs from what ${path.basename(config.file)} gives`}: run "spool compose"`);
			return 1;
		}

		await fs.writeFile(file, text);
		if (config.budget.timezoneFromMachine && config.budget.timezone !== 'UTC') {
			// An image's zone is UTC unless TZ says otherwise: the host and its containers would count different days.
			console.error(`note: spool.yaml names no budget.timezone, so this machine counts the budget's day in ${config.budget.timezone} but the containers in UTC (or their TZ); set budget.timezone: ${config.budget.timezone} in spool.yaml so both agree`);
		}

		console.log(`${current === text ? 'unchanged' : 'wrote'} ${file} (services: orchestrator, ${Object.keys(config.workers).map(name => `worker-${name}`).join(', ')})`);
		return 0;
	},
};
