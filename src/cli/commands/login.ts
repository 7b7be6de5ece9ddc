import fs from 'node:fs/promises';
import {execa} from 'execa';
import {getWorker, loadConfig} from '../../config/load.ts';
import {dropPrivileges} from '../../container/drop-privileges.ts';
import {createWorkflowLayout} from '../../orchestrator/store.ts';
import {createLayout} from '../../queue/layout.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

/** The orchestrator's planner runs claude too, with auth-homes/orchestrator/ (a name no worker may take). */
const PLANNER = 'orchestrator';

export const loginCommand: Command = {
	usage: 'login [WORKER] [--console | --token | --status]',
	summary: 'log one worker in: the claude CLI\'s own login, with that worker\'s auth home',
	help: `
Runs "claude auth login" (a Claude subscription; --console: an Anthropic Console account) with
CLAUDE_CONFIG_DIR=auth-homes/WORKER, so the credentials land in that worker's auth home and no other.
--token runs "claude setup-token", which prints a long-lived token for {"env":{"CLAUDE_CODE_OAUTH_TOKEN":
"..."}} in auth-homes/WORKER/settings.json. --status shows how the worker would log in now.
An API key needs no login: put {"env":{"ANTHROPIC_API_KEY":"sk-ant-..."}} in auth-homes/WORKER/settings.json.
WORKER defaults to SPOOL_WORKER, so in a container: docker compose run --rm worker-NAME login.
"spool login orchestrator" logs in the orchestrator's planner (auth-homes/orchestrator/).`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {console: {type: 'boolean'}, token: {type: 'boolean'}, status: {type: 'boolean'}});
		const [name = process.env.SPOOL_WORKER, ...extra] = positionals;
		if (!name || extra.length > 0) {
			throw new CliUsageError('expected exactly one worker name');
		}

		if ([values.console, values.token, values.status].filter(Boolean).length > 1) {
			throw new CliUsageError('choose one of --console, --token and --status');
		}

		const config = loadConfig();
		const authHome = name === PLANNER ? createWorkflowLayout(config.home).plannerAuthHome : createLayout(config.home).authHome(getWorker(config, name).name);
		await dropPrivileges(config, name);
		await fs.mkdir(authHome, {recursive: true, mode: 0o700});
		const claudeArgs = values.status ? ['auth', 'status', '--text'] : values.token ? ['setup-token'] : ['auth', 'login', ...(values.console ? ['--console'] : [])];
		const child = await execa(config.claudeBin, claudeArgs, {
			env: {CLAUDE_CONFIG_DIR: authHome},
			stdio: 'inherit',
			reject: false,
		});
		return child.exitCode ?? 1;
	},
};
