import fs from 'node:fs/promises';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {createLayout} from '../../queue/layout.ts';
import {loadConfig} from '../../config/load.ts';
import {createWorkflowLayout} from '../../orchestrator/store.ts';
import type {Command} from './index.ts';

const PACKAGE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Files every spool home starts with, copied from this repository, which is itself a spool home. */
const TEMPLATE = ['spool.yaml', '.gitignore', 'prompts', 'prompts/orchestrator.md'];

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

		console.log(`spool home ready at ${home}${created.length > 0 ? ` (created ${created.join(', ')})` : ' (nothing to create)'}`);
		console.log(`workers: ${Object.keys(config.workers).join(', ')}\nnext: cd ${path.relative(process.cwd(), home) || '.'} && SPOOL_HOME=$PWD spool up`);
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

