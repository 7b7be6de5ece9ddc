import net from 'node:net';
import {loadConfig} from '../../config/load.ts';
import {createLogger} from '../../log/logger.ts';
import {createLayout} from '../../queue/layout.ts';
import {UiServer} from '../../ui/server.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {onStopRequests} from '../stop-requests.ts';
import {PARENT_PID_ENV} from '../../control/watch-parent.ts';
import type {Command} from './index.ts';

export const uiCommand: Command = {
	usage: 'ui [--port 7333] [--host 127.0.0.1]',
	summary: 'serve the live dashboard: overview, tasks, transcripts, questions (spool up starts it too)',
	help: `
Serves the dashboard of the home on http://127.0.0.1:7333/ (ui.port and ui.host in spool.yaml, or
--port and --host). It prints the address with the token: open that URL once and the page keeps the
token. Reading needs no token; every action (cancel, retry, answer, approve, deny) needs it, and is
taken only from the dashboard's own page or a script that sends it (Authorization: Bearer TOKEN).
The token is made once, in control/ui-token (mode 0600). From another machine, tunnel to it:
ssh -L 7333:127.0.0.1:7333 HOST. See docs/ui.md.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {port: {type: 'string'}, host: {type: 'string'}});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const config = loadConfig();
		const port = values.port === undefined ? (config.ui === false ? 7333 : config.ui.port) : Number(values.port);
		if (!Number.isInteger(port) || port < 0 || port > 65_535) {
			throw new CliUsageError(`--port takes a port number from 0 to 65535 (0: any free port); got "${values.port}"`);
		}

		const host = values.host ?? (config.ui === false ? '127.0.0.1' : config.ui.host);
		const layout = createLayout(config.home);
		const logger = createLogger({logsDir: layout.logs, name: 'ui'});
		const server = new UiServer(config, {host, port, logger});
		const url = await server.start();
		console.log(`spool ui: the dashboard of ${config.home}\n  open   ${url}#token=${server.token}\n  token  ${server.token} (control/ui-token; actions need it)`);
		if (!isLoopback(host)) {
			console.log(`  note   it listens on ${host}: anyone who reaches it can read the queue (prompts, results, transcripts); an SSH tunnel to 127.0.0.1 is safer`);
		}

		logger.info({url}, 'dashboard listening');
		await new Promise<void>(resolve => {
			onStopRequests(layout, {
				graceful: why => {
					logger.info({reason: why}, 'dashboard stopping');
					void server.close().then(resolve);
				},
				immediate: () => undefined,
				// Under `spool up`, up stops it once up sees the `spool down`: had it stopped itself, up could
				// take its exit for a crash once down had removed its request, and start it again.
			}, {watchDown: process.env[PARENT_PID_ENV] === undefined});
		});
		return 0;
	},
};

function isLoopback(host: string): boolean {
	return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}
