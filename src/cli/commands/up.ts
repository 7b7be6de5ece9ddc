import {loadConfig} from '../../config/load.ts';
import {SpoolError} from '../../errors.ts';
import {findOrchestrator} from '../../queue/loops.ts';
import {concerns, readDownRequest} from '../../control/down-request.ts';
import {createLogger} from '../../log/logger.ts';
import {createLayout} from '../../queue/layout.ts';
import {processStartedAt} from '../../queue/owner-file.ts';
import {Supervisor} from '../../supervisor/up.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {reportMissingCredentials} from '../report-credentials.ts';
import {onStopRequests} from '../stop-requests.ts';
import type {Command} from './index.ts';

export const upCommand: Command = {
	usage: 'up',
	summary: 'run every worker of spool.yaml as a local process (npm start)',
	help: `
Starts one "spool worker NAME" process per worker, one "spool orchestrator" (workflows/, goals/) and
"spool ui", the dashboard (unless spool.yaml says ui: false), and restarts one that dies. Tasks dropped into a folder of tasks/ that names no worker are rejected.
Ctrl-C, SIGTERM, SIGHUP (the terminal closed) or "spool down" drains every worker: running tasks get
queue.drainTimeout to finish, then go back to the queue. A second signal, or "spool down --now", hands
them back at once. Killed with kill -9, its workers notice within seconds and drain themselves.
It refuses to start while an orchestrator already runs in the home (another up, or a container).`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const config = loadConfig();
		const layout = createLayout(config.home);
		// A second `up` would start a second orchestrator, which restarts forever on the first one's lock.
		const orchestrator = findOrchestrator(layout, config.queue.lease);
		if (orchestrator?.alive) {
			throw new SpoolError('already_up', `an orchestrator already runs in ${config.home} (${orchestrator.why}): another "spool up" or a container; stop it with "spool down" first`);
		}

		const logger = createLogger({logsDir: layout.logs, name: 'up'});
		// A child that stopped for a `spool down` (it may see the request before `up` does) is not restarted.
		const downRequested = () => {
			const request = readDownRequest(layout);
			return request !== undefined && concerns(request, processStartedAt());
		};

		let drain: (why: string) => void = () => undefined;
		// `spool down` removes its request once the loops are gone, which can be before up's own look (once a
		// second): a child that stopped as asked stops up too, and with it the children that leave down to up (the dashboard).
		const supervisor = new Supervisor(config, logger, {mayRestart: () => !downRequested(), onStoppedAsAsked: name => drain(`spool down (seen by ${name})`)});
		const stopped = new Promise<void>(resolve => {
			let draining = false;
			drain = why => {
				if (!draining) {
					draining = true;
					logger.info({reason: why}, 'stopping every worker');
					void supervisor.stop('SIGTERM').then(resolve);
				}
			};

			onStopRequests(layout, {
				graceful: why => drain(why),
				immediate: why => {
					logger.warn({reason: why}, 'handing running tasks back now');
					void supervisor.stop('SIGINT');
				},
			});
		});
		await supervisor.start();
		logger.info({workers: Object.keys(config.workers), home: config.home}, 'spool is up');
		reportMissingCredentials(config, Object.keys(config.workers), logger);
		// Children that saw a `spool down` first may all exit before up's own (unref'd) look at it: this
		// timer keeps up alive until that look, else Node ends it with exit code 13 (an unsettled await).
		const keepAlive = setInterval(() => undefined, 60_000);
		await stopped;
		clearInterval(keepAlive);
		return 0;
	},
};
