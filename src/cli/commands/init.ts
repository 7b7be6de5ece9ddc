import fs from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {describeCredentialFix, findCredentials} from '../../queue/credentials.ts';
import {createLayout} from '../../queue/layout.ts';
import {loadConfig} from '../../config/load.ts';
import {createWorkflowLayout} from '../../orchestrator/store.ts';
import {describeSpoolCommand, quoteForShell} from '../spool-command.ts';
import type {Command} from './index.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Files every spool home starts with, copied from this repository, which is itself a spool home. */
const TEMPLATE = ['spool.yaml', 'prompts', 'prompts/orchestrator.md'];

/**
 * A spool home's own .gitignore: what a run writes, credentials above all. Not the repository's, which
 * also ignores its node_modules/ and .ci/node/, folders a spool home does not have.
 */
const GITIGNORE = `# What runs in a spool home is never committed: credentials above all.
/auth-homes/
/tasks/
/processing/
/results/
/rejected/
/paused/
/control/
/archive/
/ledger/
/events/
/outbox/
/reports/
/workspaces/
/logs/
/.env
*.log
`;

/** spool.yaml's schema line names the repository's schema/ by a relative path; a new home has no schema/. */
const SCHEMA_LINE = /^(# yaml-language-server: \$schema=).*$/m;

export const initCommand: Command = {
	usage: 'init [DIR]',
	summary: 'create a spool home (spool.yaml, prompts/, tasks/, workflows/, goals/, auth-homes/...)',
	help: `
DIR defaults to the current folder. Existing files are never overwritten. auth-homes/orchestrator/
is the planner's own CLAUDE_CONFIG_DIR (spool plan, goals/). The .gitignore keeps
tasks, results, logs, workspaces and above all auth-homes/ (credentials) out of git.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length > 1) {
			throw new CliUsageError('expected at most one folder');
		}

		const home = path.resolve(positionals[0] ?? '.');
		await fs.mkdir(home, {recursive: true});
		const created: string[] = [];
		for (const name of TEMPLATE) {
			const target = path.join(home, name);
			if (await exists(target)) {
				continue;
			}

			await fs.cp(path.join(PACKAGE_ROOT, name), target, {recursive: true, errorOnExist: true, force: false});
			created.push(name);
		}

		if (created.includes('spool.yaml')) {
			// An absolute path: the yaml language server reads it from the filesystem root, and it stays right wherever the home moves.
			const yaml = await fs.readFile(path.join(home, 'spool.yaml'), 'utf8');
			const schema = path.join(PACKAGE_ROOT, 'schema', 'config.schema.json');
			await fs.writeFile(path.join(home, 'spool.yaml'), yaml.replace(SCHEMA_LINE, (_, start: string) => `${start}${schema}`));
		}

		const ignored = await fs.readFile(path.join(home, '.gitignore'), 'utf8').catch(() => undefined);
		if (ignored === undefined) {
			await fs.writeFile(path.join(home, '.gitignore'), GITIGNORE, {flag: 'wx'});
			created.push('.gitignore');
		} else if (!/^\/?auth-homes(\/\*?)?\s*$/m.test(ignored)) {
			// Someone's own .gitignore is theirs to change; credentials must not reach git unnoticed.
			console.log(`warning: ${path.join(home, '.gitignore')} does not ignore auth-homes/, where credentials live; add these lines to it:\n${GITIGNORE}`);
		}

		const config = loadConfig(home);
		const layout = createLayout(home);
		for (const worker of Object.keys(config.workers)) {
			for (const dir of [layout.tasks(worker), layout.results(worker), layout.logs]) {
				await fs.mkdir(dir, {recursive: true});
			}

			await fs.mkdir(layout.authHome(worker), {recursive: true, mode: 0o700});
			await fs.chmod(layout.authHome(worker), 0o700);
		}

		const workflowLayout = createWorkflowLayout(home);
		await fs.mkdir(workflowLayout.workflows, {recursive: true});
		await fs.mkdir(workflowLayout.goals, {recursive: true});
		await fs.mkdir(workflowLayout.plannerAuthHome, {recursive: true, mode: 0o700});
		await fs.chmod(workflowLayout.plannerAuthHome, 0o700);

		const workers = Object.keys(config.workers);
		const missing = workers.filter(name => !findCredentials(layout.authHome(name)));
		const spool = describeSpoolCommand();
		console.log(`spool home ready at ${home}${created.length > 0 ? ` (created ${created.join(', ')})` : ' (nothing to create)'}`);
		console.log(`workers: ${workers.join(', ')}`);
		if (missing.length > 0) {
			console.log(`credentials: ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} none yet; ${describeCredentialFix(missing)}`);
		}

		// spool is on no PATH: the command names this installation, so it works from any folder.
		console.log(`next: cd ${quoteForShell(home)} && ${spool} up`);
		console.log(`(after alias spool=${quoteForShell(spool)}, every "spool ..." command spool prints runs as written)`);
		return 0;
	},
};

async function exists(file: string): Promise<boolean> {
	try {
		await fs.access(file);
		return true;
	} catch {
		return false;
	}
}

