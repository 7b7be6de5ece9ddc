import {randomBytes} from 'node:crypto';
import {getWorker, type Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {writeFileExclusive} from '../queue/atomic-write.ts';
import {findLiveTask} from '../lifecycle/index.ts';
import {findSkill} from '../skills/catalog.ts';
import {createLayout} from '../queue/layout.ts';
import {checkTaskId} from '../lifecycle/names.ts';
import {validateTask, type TaskInput} from '../queue/task-schema.ts';

export type Submitted = {worker: string; id: string; file: string};

/**
 * Queues a task: validates it as a loop would, then writes tasks/WORKER/ID.json atomically and never over
 * a task already there (a link of a durable temp file, which fails on an existing name). The CLI's
 * `submit` and the MCP server's `submit` tool both come here.
 */
export async function submitTask(config: Config, worker: string, task: TaskInput, id = newTaskId()): Promise<Submitted> {
	getWorker(config, worker);
	const unsafe = checkTaskId(id);
	if (unsafe) {
		throw new SpoolError('invalid_id', unsafe);
	}

	const checked = validateTask(task);
	if (!checked.ok) {
		throw new SpoolError('invalid_task', checked.problems.join('; '));
	}

	if (checked.task.skill !== undefined) {
		// The loop checks it again at claim time (skills.dir may change meanwhile); a typo is said here and now.
		const skill = await findSkill(config.skills?.dir, checked.task.skill);
		if ('code' in skill) {
			throw new SpoolError(skill.code, skill.message);
		}
	}

	const layout = createLayout(config.home);
	const file = layout.taskFile(worker, id);
	if (findLiveTask(layout, worker, id)?.where === 'waiting') {
		throw new SpoolError('task_exists', `${worker}/${id} waits for an answer to its agent's question (waiting/${worker}/${id}.json): answer or cancel it first, or choose another id`);
	}

	if (!(await writeFileExclusive(file, `${JSON.stringify(task, null, 2)}\n`))) {
		throw new SpoolError('task_exists', `${file} is already queued`);
	}

	return {worker, id, file};
}

/** Time-ordered, so the folder's name order is the order of submission. */
export function newTaskId(): string {
	return `${new Date().toISOString().replace(/[-:]/g, '').replace('.', '-').replace('Z', '')}-${randomBytes(3).toString('hex')}`;
}
