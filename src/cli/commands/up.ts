import {loadConfig} from '../../config/load.ts';
import {createLogger} from '../../log/logger.ts';
import {createLayout} from '../../queue/layout.ts';
import {Supervisor} from '../../supervisor/up.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {reportMissingCredentials} from '../report-credentials.ts';
import {onStopRequests} from '../stop-requests.ts';
import type {Command} from './index.ts';

export const upCommand: Command = {
	usage: 'up',
	summary: 'run every worker of spool.yaml as a local process (npm start)',
	help: `
Starts one "spool worker NAME" process per worker and one "spool orchestrator" (workflows/, goals/),
and restarts one that dies. Tasks dropped into a folder of tasks/ that names no worker are rejected. Ctrl-C, SIGTERM or SIGHUP (the terminal closed) drains every worker; a second
signal hands running tasks back to the queue at once.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const config = loadConfig();
		const logger = createLogger({logsDir: createLayout(config.home).logs, name: 'up'});
		const supervisor = new Supervisor(config, logger);
		const stopped = new Promise<void>(resolve => {
			onStopRequests({
				graceful: why => {
					logger.info({reason: why}, 'stopping every worker');
					void supervisor.stop('SIGTERM').then(resolve);
				},
				immediate: why => {
					logger.warn({reason: why}, 'handing running tasks back now');
					void supervisor.stop('SIGINT');
				},
			});
		});
		await supervisor.start();
		logger.info({workers: Object.keys(config.workers), home: config.home}, 'spool is up');
		reportMissingCredentials(config, Object.keys(config.workers), logger);
		await stopped;
		return 0;
	},
};
