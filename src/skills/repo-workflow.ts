import {formatIssues} from '../config/format-issues.ts';
import {WORKFLOW_ID_PATTERN, workflowSchema} from '../orchestrator/definition.ts';

/** What `spool submit WORKER --skill NAME --repos a,b,c` asks for. */
export type RepoRun = {
	worker: string;
	skill: string;
	repos: readonly string[];
	/** The person's extra instructions, added to every repository's prompt. */
	extra?: string;
	mode?: 'agent' | 'simple';
	output?: string;
	/** A worker for one last task that depends on every repository's task and so gets all their results. */
	final?: string;
};

/** The id of the final task; a repository of that name would clash, and is refused. */
export const FINAL_TASK = 'final';

/**
 * The workflow of one skill run over many repositories: a task per repository (id: its name; `repo`
 * and `skill` set, so each runs in a worktree of its own), none depending on another, and with `final`
 * a last task that depends on all of them. Pure: the caller writes it to workflows/ID.yaml, and the
 * orchestrator queues it like any workflow, so status, list and the report show the tasks together.
 */
export function buildRepoWorkflow(run: RepoRun): {ok: true; workflow: Record<string, unknown>} | {ok: false; problems: string[]} {
	const duplicate = run.repos.find((repo, index) => run.repos.indexOf(repo) !== index);
	if (duplicate !== undefined) {
		return {ok: false, problems: [`--repos names ${duplicate} twice`]};
	}

	if (run.final !== undefined && run.repos.includes(FINAL_TASK)) {
		return {ok: false, problems: [`--final adds a task named "${FINAL_TASK}": a repository of that name cannot be in the same workflow`]};
	}

	const ask = `Use the skill ${run.skill} on this repository.${run.extra ? `\n\n${run.extra}` : ''}`;
	const tasks: Record<string, unknown>[] = run.repos.map(repo => ({
		id: repo,
		worker: run.worker,
		prompt: ask,
		skill: run.skill,
		repo,
		...(run.mode ? {mode: run.mode} : {}),
		...(run.output ? {output: run.output} : {}),
	}));
	if (run.final !== undefined) {
		const intro = `The skill ${run.skill} was run on each of these repositories: ${run.repos.join(', ')}. Their results follow. Bring them together into one answer.`;
		tasks.push({id: FINAL_TASK, worker: run.final, dependsOn: [...run.repos], prompt: run.extra ? `${intro}\n\n${run.extra}` : intro});
	}

	const workflow = {name: `${run.skill} on ${run.repos.join(', ')}`, description: `spool submit ${run.worker} --skill ${run.skill} --repos ${run.repos.join(',')}${run.final ? ` --final ${run.final}` : ''}`, tasks};
	const parsed = workflowSchema.safeParse(workflow);
	return parsed.success ? {ok: true, workflow} : {ok: false, problems: formatIssues(parsed.error, workflow)};
}

/** A workflow id from the skill's name and the time: "summarise-20261201-175700-ab12". */
export function repoWorkflowId(skill: string, now: Date, suffix: string): string {
	const name = skill.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 30) || 'skill';
	const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
	const id = `${name}-${stamp}-${suffix}`;
	return WORKFLOW_ID_PATTERN.test(id) ? id : `skill-${stamp}-${suffix}`;
}
