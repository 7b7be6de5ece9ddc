import {z} from 'zod';
import {getWorker} from '../config/load.ts';
import {cancelTasks} from '../control/cancel.ts';
import {listTasks} from '../control/list.ts';
import {retryTasks} from '../control/retry.ts';
import {shownAsJson, showTask} from '../control/show.ts';
import {submitTask} from '../control/submit.ts';
import {waitForTask} from '../control/wait-for-result.ts';
import {listWorkers} from '../control/workers.ts';
import {SpoolError} from '../errors.ts';
import {checkTaskId} from '../lifecycle/names.ts';
import {TASK_STATES} from '../lifecycle/states.ts';
import {describeWait, summarizeEntry} from './answers.ts';
import {defineTool, type Tool} from './tool.ts';

/** wait_for_result's longest wait: a call never holds the client for more than an hour. */
const MAX_WAIT_SECONDS = 3600;

const worker = z.string().describe('The worker\'s name, as the `workers` tool lists it.');
const taskId = z.string().describe('The task id that `submit` returned.');
/** show, cancel and retry find a task by its id alone when only one worker has it. */
const taskRef = {id: taskId, worker: worker.optional().describe('The worker, needed only when two workers have a task of this id.')};
const refOf = (input: {worker?: string; id: string}) => (input.worker === undefined ? input.id : `${input.worker}/${input.id}`);

/** Every tool of `spool mcp`. A new tool is one more entry: a name, what it is for, its input, and what it does. */
export const TOOLS: readonly Tool[] = [
	defineTool({
		name: 'submit',
		description:
			'Queue a task for one of spool\'s Claude Code workers: a separate, headless claude with its own system prompt, which sees only this prompt, not this conversation, so make it self-contained. '
			+ 'Returns at once with the worker and the task id; `wait_for_result` collects the answer.',
		input: z.strictObject({
			worker,
			prompt: z.string().describe('What the worker is asked to do.'),
			id: z.string().optional().describe('The task id: 1-128 letters, digits, ".", "-" and "_" (default: a time-ordered id). An id already queued is refused.'),
			model: z.string().optional().describe('A model for this task, e.g. "sonnet" (default: the worker\'s).'),
			cwd: z.string().optional().describe('Where the worker runs: a folder under spool.yaml\'s cwdRoots, absolute or relative to the spool home (default: a fresh workspace of its own).'),
			repo: z.string().optional().describe('A repository of spool.yaml\'s `repos`: the task runs in a fresh git worktree of it, on a branch spool/WORKER/ID from its base; the person\'s checkout is never touched, and the change is saved as results/WORKER/ID.patch. Not with cwd.'),
			worktreeOf: z.string().optional().describe('WORKER/ID of an earlier repo task: this task runs in that task\'s worktree as it left it (to review or continue its change). Not with cwd.'),
			skill: z.string().optional().describe('A skill of spool.yaml\'s skills.dir (its NAME/SKILL.md): the run is given it alone and starts with /NAME. An unknown one is rejected, naming the skills there are.'),
			mode: z.enum(['agent', 'simple']).optional().describe('agent: the worker uses its tools (default: the worker\'s mode); simple: one model call with no tools, the repository\'s file tree, README and manifests in its prompt.'),
			output: z.string().optional().describe('With mode simple: the file the answer is written to, relative to the task\'s cwd, e.g. "docs/summary.md".'),
			timeout: z.union([z.string(), z.number()]).optional().describe('Wall-clock limit for one run: "10m", "90s" or seconds (default: the worker\'s).'),
			maxTurns: z.number().int().optional().describe('At most this many turns (claude --max-turns).'),
			priority: z.number().int().optional().describe('Higher runs first (default 0).'),
			notBefore: z.string().optional().describe('Not started before this ISO time, e.g. "2026-12-01T18:00:00Z".'),
			maxCostUsd: z.number().optional().describe("The most this task's run may cost in US dollars (at least 0.0001); the worker's perTaskUsd and what is left of the day's budget may lower it."),
		}),
		async run({worker, id, ...task}, {config}) {
			return submitTask(config, worker, task, id);
		},
	}),
	defineTool({
		name: 'wait_for_result',
		description:
			'Wait for a task\'s result and return its status (succeeded, failed, dead, rejected, canceled), its text, its error and its cost. '
			+ `Gives up after timeoutSeconds (default 600, at most ${MAX_WAIT_SECONDS}) and says whether the task is still pending, delayed or running; call it again to wait longer.`,
		input: z.strictObject({
			worker,
			id: taskId,
			timeoutSeconds: z.number().min(0).max(MAX_WAIT_SECONDS).default(600).describe('How long to wait at most; 0 only looks.'),
		}),
		async run({worker, id, timeoutSeconds}, {config, signal}) {
			getWorker(config, worker);
			const unsafe = checkTaskId(id);
			if (unsafe) {
				throw new SpoolError('invalid_id', unsafe);
			}

			const started = Date.now();
			const found = await waitForTask(config, worker, id, {timeoutMs: timeoutSeconds * 1000, signal});
			return describeWait(config, worker, id, found, Date.now() - started);
		},
	}),
	defineTool({
		name: 'workers',
		description: 'List the workers configured in spool.yaml: what each is for, its model, and its queue now (pending, running, finished, cost, whether it is paused).',
		input: z.strictObject({}),
		async run(_input, {config}) {
			return {home: config.home, workers: await listWorkers(config)};
		},
	}),
	defineTool({
		name: 'list',
		description: 'List tasks, newest first: each one\'s worker, id, state, attempts, cost, workflow and the start of its prompt.',
		input: z.strictObject({
			worker: worker.optional().describe('Only this worker\'s tasks.'),
			state: z.enum(TASK_STATES).optional().describe('Only tasks in this state.'),
			workflow: z.string().optional().describe('Only the tasks of this workflow.'),
			limit: z.number().int().min(1).max(200).default(20).describe('At most this many tasks.'),
		}),
		async run({worker, ...filter}, {config}) {
			const listing = listTasks(config, {...filter, ...(worker === undefined ? {} : {worker: getWorker(config, worker).name})});
			return {tasks: listing.tasks.map(entry => summarizeEntry(entry)), total: listing.total, more: listing.more};
		},
	}),
	defineTool({
		name: 'show',
		description: 'Everything about one task: its state, the task as submitted, its result, its attempts and their errors, its files, and the end of its transcript (what the worker is doing or did).',
		input: z.strictObject({...taskRef, transcriptLines: z.number().int().min(0).max(200).default(20).describe('How many lines of the transcript\'s end.')}),
		async run(input, {config}) {
			return shownAsJson(showTask(config, refOf(input), input.transcriptLines));
		},
	}),
	defineTool({
		name: 'cancel',
		description: 'Cancel a task: a pending one never runs, a running one is stopped within seconds (its result says canceled, with the cost so far). Neither is retried.',
		input: z.strictObject(taskRef),
		async run(input, {config}) {
			const [outcome] = await cancelTasks(config, [refOf(input)]);
			return outcome;
		},
	}),
	defineTool({
		name: 'retry',
		description: 'Run a failed, dead or canceled task again, as it was submitted, with a fresh attempt budget; its earlier result moves to the history.',
		input: z.strictObject(taskRef),
		async run(input, {config}) {
			const [outcome] = await retryTasks(config, [refOf(input)]);
			if (outcome?.outcome !== 'queued') {
				throw new SpoolError('retry_skipped', outcome?.message ?? `${refOf(input)} was not queued again`);
			}

			return outcome;
		},
	}),
];
