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
Rejects tasks dropped into a folder of tasks/ that names no worker. SIGTERM or Ctrl-C stops it.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const config = loadConfig();
		const logger = createLogger({logsDir: createLayout(config.home).logs, name: 'orchestrator'});
		const orchestrator = new Orchestrator(config, logger);
		const stopped = new Promise<void>(resolve => {
			onShutdownSignals(
				() => void orchestrator.close().then(resolve),
				() => void orchestrator.close().then(resolve),
			);
		});
		await orchestrator.start();
		await stopped;
		return 0;
	},
};
