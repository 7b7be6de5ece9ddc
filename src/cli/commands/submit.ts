import fs from 'node:fs/promises';
import {randomBytes} from 'node:crypto';
import {getWorker, loadConfig} from '../../config/load.ts';
import {SpoolError} from '../../errors.ts';
import {writeJsonAtomic} from '../../queue/atomic-write.ts';
import {createLayout} from '../../queue/layout.ts';
import {checkTaskId} from '../../lifecycle/names.ts';
import {validateTask} from '../../queue/task-schema.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {readFileOption} from '../read-file-option.ts';
import {waitForResult} from '../wait-for-result.ts';
import type {Command} from './index.ts';

export const submitCommand: Command = {
	usage: 'submit WORKER (PROMPT | --file F)',
	summary: 'queue a task: writes tasks/WORKER/ID.json atomically',
	help: `
Options:
  --file F          read the prompt from file F ("-" for standard input)
  --id ID           the task id (default: a time-ordered id)
  --model M         the model for this task
  --cwd DIR         where claude runs (must lie under cwdRoots)
  --timeout T       wall-clock limit, e.g. 10m
  --max-turns N     passed to claude as --max-turns
  --wait            wait for the result, print its text; exit 0 if it succeeded, 1 if not
Prints the task id.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {
			file: {type: 'string'},
			id: {type: 'string'},
			model: {type: 'string'},
			cwd: {type: 'string'},
			timeout: {type: 'string'},
			'max-turns': {type: 'string'},
			wait: {type: 'boolean'},
		});
		const [worker, prompt, ...extra] = positionals;
		if (!worker) {
			throw new CliUsageError('name the worker');
		}

		if (extra.length > 0 || (prompt === undefined) === (values.file === undefined)) {
			throw new CliUsageError('give the prompt either as one argument or with --file F');
		}

		const config = loadConfig();
		getWorker(config, worker);
		const id = values.id ?? newTaskId();
		const unsafe = checkTaskId(id);
		if (unsafe) {
			throw new SpoolError('invalid_id', unsafe);
		}

		const task = {
			prompt: prompt ?? (await readFileOption(values.file!, 'prompt_unreadable')),
			...(values.model ? {model: values.model} : {}),
			...(values.cwd ? {cwd: values.cwd} : {}),
			...(values.timeout ? {timeout: values.timeout} : {}),
			...(values['max-turns'] ? {maxTurns: Number(values['max-turns'])} : {}),
		};
		const checked = validateTask(task);
		if (!checked.ok) {
			throw new SpoolError('invalid_task', checked.problems.join('; '));
		}

		const layout = createLayout(config.home);
		const file = `${layout.tasks(worker)}/${id}.json`;
		await fs.mkdir(layout.tasks(worker), {recursive: true});
		if (await fs.stat(file).catch(() => undefined)) {
			throw new SpoolError('task_exists', `${file} is already queued`);
		}

		await writeJsonAtomic(file, task);
		console.log(id);
		if (!values.wait) {
			return 0;
		}

		const result = await waitForResult(layout.resultFile(worker, id));
		console.log(result.status === 'succeeded' ? (result.result ?? '') : `${result.status}: ${result.error?.message ?? ''}`);
		return result.status === 'succeeded' ? 0 : 1;
	},
};

/** Time-ordered, so the folder's name order is the order of submission. */
function newTaskId(): string {
	return `${new Date().toISOString().replace(/[-:]/g, '').replace('.', '-').replace('Z', '')}-${randomBytes(3).toString('hex')}`;
}
