import {randomBytes} from 'node:crypto';
import {stringify} from 'yaml';
import {getWorker, type Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {createWorkflowLayout} from '../orchestrator/store.ts';
import {writeFileExclusive} from '../queue/atomic-write.ts';
import {findSkill} from '../skills/catalog.ts';
import {buildRepoWorkflow, repoWorkflowId, type RepoRun} from '../skills/repo-workflow.ts';

export type SubmittedWorkflow = {id: string; file: string; tasks: string[]};

/**
 * Queues one skill over many repositories as a workflow: workflows/ID.yaml, written atomically and never
 * over another, which the orchestrator (spool up) then queues task by task. The workers, the repositories
 * and the skill are checked now, so a typo fails here rather than in every task.
 */
export async function submitRepoWorkflow(config: Config, run: RepoRun, id?: string): Promise<SubmittedWorkflow> {
	getWorker(config, run.worker);
	if (run.final !== undefined) {
		getWorker(config, run.final);
	}

	checkRepoNames(config, run.repos);

	const skill = await findSkill(config.skills?.dir, run.skill);
	if ('code' in skill) {
		throw new SpoolError('unknown_skill', skill.message);
	}

	const built = buildRepoWorkflow(run);
	if (!built.ok) {
		throw new SpoolError('invalid_workflow', built.problems.join('; '));
	}

	const workflowId = id ?? repoWorkflowId(run.skill, new Date(), randomBytes(2).toString('hex'));
	const file = createWorkflowLayout(config.home).workflowFile(workflowId, '.yaml');
	const text = `# spool submit ${run.worker} --skill ${run.skill} --repos ${run.repos.join(',')}\n${stringify(built.workflow)}`;
	if (!(await writeFileExclusive(file, text))) {
		throw new SpoolError('workflow_exists', `${file} exists already; choose another --id`);
	}

	return {id: workflowId, file, tasks: (built.workflow.tasks as Array<{id: string}>).map(task => task.id)};
}

/** Every name must be a repository of spool.yaml's `repos`; the error names the ones there are. */
function checkRepoNames(config: Config, repos: readonly string[]): void {
	const unknown = repos.filter(repo => !Object.hasOwn(config.repos, repo));
	if (unknown.length === 0) {
		return;
	}

	const known = Object.keys(config.repos).sort();
	const there = known.length > 0 ? `the repositories there: ${known.join(', ')}` : 'it names none (repos: {NAME: {path, base}})';
	throw new SpoolError('repo_invalid', `--repos: no repository ${unknown.map(repo => `"${repo}"`).join(', ')} in spool.yaml's repos; ${there}`);
}
