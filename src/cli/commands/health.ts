import {checkHealth} from '../../container/health.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const healthCommand: Command = {
	usage: 'health [--file F]',
	summary: 'exit 0 while this container\'s worker loop or orchestrator is alive (its HEALTHCHECK)',
	help: `
Reads the beacon that "spool worker" and "spool orchestrator" write to SPOOL_HEALTH_FILE (the image
sets it), and checks that the process lives and that its heartbeat is younger than its limit: a
worker's limit is queue.lease, so a frozen loop turns unhealthy. Exit 1 when not.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {file: {type: 'string'}});
		if (positionals.length > 0) {
			throw new CliUsageError(`unexpected argument "${positionals[0]}"`);
		}

		const file = values.file ?? process.env.SPOOL_HEALTH_FILE;
		if (!file) {
			throw new CliUsageError('no health file: pass --file F or set SPOOL_HEALTH_FILE (the container image sets it)');
		}

		const report = await checkHealth(file);
		(report.healthy ? console.log : console.error)(report.message);
		return report.healthy ? 0 : 1;
	},
};
