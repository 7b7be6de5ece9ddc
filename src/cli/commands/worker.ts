import {loadConfig, getWorker} from '../../config/load.ts';
import {dropPrivileges} from '../../container/drop-privileges.ts';
import {publishHealth} from '../../container/health.ts';
import {createLogger} from '../../log/logger.ts';
import {createLayout} from '../../queue/layout.ts';
import {WorkerLoop} from '../../worker/loop.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {reportMissingCredentials} from '../report-credentials.ts';
import {onStopRequests} from '../stop-requests.ts';
import type {Command} from './index.ts';

export const workerCommand: Command = {
	usage: 'worker [NAME]',
	summary: 'run one worker loop in the foreground (what a container runs)',
	help: `
Watches tasks/NAME/, runs each task with claude -p and writes results/NAME/.
SIGTERM, SIGHUP or Ctrl-C: stop claiming, let running tasks finish for queue.drainTimeout, then hand them
back to the queue. A second signal hands them back at once. NAME defaults to SPOOL_WORKER.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		const [name = process.env.SPOOL_WORKER, ...extra] = positionals;
		if (!name || extra.length > 0) {
			throw new CliUsageError('expected exactly one worker name (or SPOOL_WORKER)');
		}

		const config = loadConfig();
		getWorker(config, name);
		const dropped = await dropPrivileges(config, name);
		const logger = createLogger({logsDir: createLayout(config.home).logs, name});
		if (dropped) {
			logger.info({uid: dropped.uid, gid: dropped.gid, from: dropped.source, handedOver: dropped.handedOver}, 'running as the data root\'s user, not root');
		}

		const loop = new WorkerLoop(config, name, logger);
		const closed = new Promise<void>(resolve => {
			onStopRequests(createLayout(config.home), {
				graceful: why => {
					logger.info({reason: why}, 'shutdown requested');
					void loop.close().then(resolve);
				},
				immediate: why => {
					logger.warn({reason: why}, 'handing running tasks back now');
					loop.abortRunning();
				},
			});
		});
		await loop.start();
		reportMissingCredentials(config, [name], logger);
		await publishHealth({process: `worker ${name}`, heartbeat: createLayout(config.home).claims(name, loop.owner), maxAgeMs: config.queue.lease});
		await closed;
		return 0;
	},
};
