import {loadConfig} from '../../config/load.ts';
import {createLogger} from '../../log/logger.ts';
import {Orchestrator} from '../../orchestrator/orchestrator.ts';
import {createLayout} from '../../queue/layout.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {onShutdownSignals} from '../signals.ts';
import type {Command} from './index.ts';

export const orchestratorCommand: Command = {
	usage: 'orchestrator',
	summary: 'run the orchestrator in the foreground (spool up starts it too)',
	help: `
Runs the workflows of workflows/ (queueing each task once its dependencies succeeded, writing
results/workflows/ID.json and ID.md when done), plans the goals dropped into goals/, and rejects tasks
dropped into a folder of tasks/ that names no worker. One orchestrator per spool home: a second one
waits for the first one's lock and gives up if it stays fresh. SIGTERM or Ctrl-C stops it; a restarted
orchestrator goes on where it stopped. See docs/workflows.md.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const config = loadConfig();
		const logger = createLogger({logsDir: createLayout(config.home).logs, name: 'orchestrator'});
		const orchestrator = new Orchestrator(config, logger);
		let failed = false;
		let stop = () => {};
		const stopped = new Promise<void>(resolve => {
			stop = resolve;
		});
		onShutdownSignals(
			() => void orchestrator.close().then(stop),
			() => void orchestrator.close().then(stop),
		);
		await orchestrator.start(() => {
			failed = true;
			stop();
		});
		await stopped;
		return failed ? 1 : 0;
	},
};
