import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import type {TaskError} from '../queue/error-codes.ts';
import type {Task} from '../queue/task-schema.ts';
import {checkOutputPath} from '../simple/output-file.ts';
import {buildRepoContext} from '../simple/repo-context.ts';
import {findSkill} from '../skills/catalog.ts';
import {mountSkill, skillPrompt} from '../skills/mount.ts';

export type RunMode = 'agent' | 'simple';

/** What a task's mode and skill add to its run: flags, the prompt on stdin, the mount to remove afterwards. */
export type ModePlan = {
	mode: RunMode;
	args: string[];
	prompt: string;
	skill?: string;
	/** control/skills/W/ID/, removed when the run ends. */
	mount?: string;
	/** With mode simple: the task's `output`, relative to the cwd. */
	output?: string;
};

/** The task's own mode, else its worker's, else agent. */
export function modeOf(worker: Pick<WorkerConfig, 'mode'>, task: Pick<Task, 'mode'>): RunMode {
	return task.mode ?? worker.mode ?? 'agent';
}

/**
 * The fields that only make sense together, checked before anything is paid: `output` needs mode
 * simple and a path inside the cwd; a skill must be one of skills.dir (unknown_skill names those there
 * are). The skill is then linked into the run's own mount (skills/mount.ts), and in simple mode the
 * repository's context is added to the prompt, since the model cannot look for itself.
 */
export async function planMode(options: {config: Config; worker: Readonly<WorkerConfig>; task: Task; cwd: string; mount: string}): Promise<ModePlan | TaskError> {
	const {config, worker, task, cwd} = options;
	const mode = modeOf(worker, task);
	if (task.output !== undefined) {
		if (mode !== 'simple') {
			return {code: 'output_forbidden', message: `output: ${JSON.stringify(task.output)} is written only in mode simple (one call, no tools); an agent writes its own files (list them in deliverables), or set "mode": "simple"`};
		}

		const checked = await checkOutputPath(cwd, task.output);
		if (typeof checked !== 'string') {
			return checked;
		}
	}

	if (mode === 'simple' && task.jsonSchema) {
		return {code: 'invalid_task', message: 'jsonSchema: mode simple runs with no tools, and claude answers a jsonSchema with a tool; drop one of the two'};
	}

	const args: string[] = [];
	let mount: string | undefined;
	if (task.skill !== undefined) {
		const skill = await findSkill(config.skills?.dir, task.skill);
		if ('code' in skill) {
			return skill;
		}

		mount = await mountSkill(options.mount, skill);
		args.push('--add-dir', mount);
	}

	const context = mode === 'simple' ? await buildRepoContext(cwd) : undefined;
	const text = context === undefined ? task.prompt : `${task.prompt}\n\n${context}\n\n${answerRule(task.output)}`;
	return {
		mode,
		args,
		prompt: task.skill === undefined ? text : skillPrompt(task.skill, text),
		...(task.skill === undefined ? {} : {skill: task.skill}),
		...(mount === undefined ? {} : {mount}),
		...(task.output === undefined ? {} : {output: task.output}),
	};
}

function answerRule(output: string | undefined): string {
	return output === undefined
		? 'You have no tools: answer from the context above.'
		: `You have no tools: answer from the context above. Your answer is written as it is to ${output}: reply with that file's content only.`;
}
