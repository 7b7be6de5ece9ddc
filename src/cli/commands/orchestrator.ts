import {loadConfig} from '../../config/load.ts';
import {dropPrivileges} from '../../container/drop-privileges.ts';
import {publishHealth} from '../../container/health.ts';
import {createLogger} from '../../log/logger.ts';
import {Orchestrator} from '../../orchestrator/orchestrator.ts';
import {createLayout} from '../../queue/layout.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {onStopRequests} from '../stop-requests.ts';
import type {Command} from './index.ts';

export const orchestratorCommand: Command = {
	usage: 'orchestrator',
	summary: 'run the orchestrator in the foreground (spool up starts it too)',
	help: `
Runs the workflows of workflows/ (queueing each task once its dependencies succeeded, writing
results/workflows/ID.json and ID.md when done), plans the goals dropped into goals/, and rejects tasks
dropped into a folder of tasks/ that names no worker. One orchestrator per spool home: a second one
waits for the first one's lock and gives up if it stays fresh. SIGTERM, SIGHUP or Ctrl-C stops it; a restarted
orchestrator goes on where it stopped. See docs/workflows.md.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const config = loadConfig();
		const dropped = await dropPrivileges(config, 'orchestrator');
		const logger = createLogger({logsDir: createLayout(config.home).logs, name: 'orchestrator'});
		if (dropped) {
			logger.info({uid: dropped.uid, gid: dropped.gid, from: dropped.source, handedOver: dropped.handedOver}, 'running as the data root\'s user, not root');
		}

		const orchestrator = new Orchestrator(config, logger);
		let failed = false;
		let stop = () => {};
		const stopped = new Promise<void>(resolve => {
			stop = resolve;
		});
		onStopRequests(createLayout(config.home), {
			graceful: why => {
				logger.info({reason: why}, 'shutdown requested');
				void orchestrator.close().then(stop);
			},
			immediate: () => undefined,
		});
		await orchestrator.start(() => {
			failed = true;
			stop();
		});
		const stopHeartbeat = await publishHealth({process: 'orchestrator', maxAgeMs: config.queue.lease});
		await stopped;
		stopHeartbeat();
		return failed ? 1 : 0;
	},
};
