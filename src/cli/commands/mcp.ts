import {loadConfig, resolveHome} from '../../config/load.ts';
import {SpoolError} from '../../errors.ts';
import {createLogger} from '../../log/logger.ts';
import {RUN_SERVER} from '../../ask/run-options.ts';
import {pathToFileURL} from 'node:url';
import {serveMcp} from '../../mcp/server.ts';
import {createLayout} from '../../queue/layout.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const mcpCommand: Command = {
	usage: 'mcp [--run]',
	summary: 'serve the queue as MCP tools on stdio, for an interactive Claude Code session',
	help: `
An MCP server (stdio) for your own Claude Code session, which can then hand work to the workers and
collect it. Tools: submit, wait_for_result, workers, list, show, cancel, retry. Add it with
  claude mcp add spool -e SPOOL_HOME=/path/to/home -- node /path/to/spool/bin/spool.js mcp
spool.yaml is read again for each call. stdout carries only the protocol; logs go to stderr and
logs/mcp.log.

--run serves the one tool spool gives each of its own runs instead: ask_human, with which an agent
asks a person a question and its task waits for the answer (docs/ask.md). spool passes it itself.`,
	async run(args) {
		const {positionals, values} = parseCommandArgs(args, {run: {type: 'boolean'}});
		if (positionals.length > 0) {
			throw new CliUsageError('takes no arguments');
		}

		if (values.run) {
			// A run's own server (what spool passes its runs is this file, started by node directly): it reads no spool.yaml and writes no log.
			const {serveRun} = (await import(pathToFileURL(RUN_SERVER).href)) as {serveRun: (input: NodeJS.ReadableStream, output: NodeJS.WritableStream) => Promise<void>};
			await serveRun(process.stdin, process.stdout);
			return 0;
		}

		const home = resolveHome();
		let problem: string | undefined;
		try {
			loadConfig(home);
		} catch (error) {
			if (!(error instanceof SpoolError)) {
				throw error;
			}

			problem = error.message;
		}

		// No logs/ is made in a folder that is not a spool home (a wrong SPOOL_HOME).
		const log = createLogger({name: 'mcp', ...(problem ? {} : {logsDir: createLayout(home).logs})});
		if (problem) {
			log.warn({home}, `every tool will fail until this is fixed: ${problem}`);
		}

		// Imported here: a run's own server (--run) loads none of the queue-control tools.
		const {TOOLS} = await import('../../mcp/tools.ts');
		await serveMcp({home, input: process.stdin, output: process.stdout, log, tools: TOOLS});
		return 0;
	},
};
