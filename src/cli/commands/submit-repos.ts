import {loadConfig} from '../../config/load.ts';
import {submitRepoWorkflow} from '../../control/submit-workflow.ts';
import {CliUsageError} from '../parse.ts';

type RepoValues = {skill?: string; repos?: string; final?: string; output?: string; id?: string; file?: string; wait?: boolean; mode?: 'agent' | 'simple'};

/** `spool submit WORKER --skill NAME --repos a,b,c ["extra"]`: queues the workflow, prints its id and its tasks. */
export async function submitRepos(worker: string, values: RepoValues, extra: string | undefined, rest: string[]): Promise<number> {
	if (values.skill === undefined || values.repos === undefined) {
		throw new CliUsageError('--repos and --final go with --skill NAME: give both --skill and --repos');
	}

	if (rest.length > 0 || values.file !== undefined || values.wait) {
		throw new CliUsageError('with --repos, give the extra instructions as one argument (no --file or --wait: follow the workflow with spool status or spool list --workflow ID)');
	}

	const repos = values.repos.split(',').map(repo => repo.trim()).filter(Boolean);
	if (repos.length === 0) {
		throw new CliUsageError('--repos names no repository: give them as a,b,c');
	}

	const submitted = await submitRepoWorkflow(loadConfig(), {
		worker,
		skill: values.skill,
		repos,
		...(extra === undefined ? {} : {extra}),
		...(values.mode === undefined ? {} : {mode: values.mode}),
		...(values.output === undefined ? {} : {output: values.output}),
		...(values.final === undefined ? {} : {final: values.final}),
	}, values.id);
	console.log(submitted.id);
	console.error(`spool submit: workflow ${submitted.id} (${submitted.file}): tasks ${submitted.tasks.join(', ')}; the orchestrator of spool up queues them`);
	return 0;
}

export function readMode(text: string | undefined): 'agent' | 'simple' | undefined {
	if (text !== undefined && text !== 'agent' && text !== 'simple') {
		throw new CliUsageError(`--mode must be agent or simple; got "${text}"`);
	}

	return text;
}
