import type {Layout} from '../queue/layout.ts';
import type {TaskResult} from '../queue/result.ts';
import {taskIdOf} from '../lifecycle/names.ts';
import type {DayRuns, TaskRuns} from './day-runs.ts';
import {readDayResults} from './day-results.ts';
import {queuedStateOf, type LiveTasks} from './live-tasks.ts';
import type {OpenQuestion} from './questions.ts';
import type {ReportState, ReportTasks} from './record.ts';

type LiveState = 'running' | 'pending' | 'delayed' | 'waiting';

/** A task of the day: its runs that day, its result if it finished that day, where it is now. */
export type DayTask = {worker: string; id: string; runs?: TaskRuns; result?: TaskResult; live?: LiveState; state: ReportState; workflow: string | null};

/**
 * What became of a task of the day: where it is now when it is live again or still (a live entry wins
 * over a result of the same id, as in `spool list`), else the status of the result it finished with
 * that day, else it was carried over to a later day.
 */
export function stateOfDayTask(task: {live?: LiveState; result?: Pick<TaskResult, 'status'>}): ReportState {
	return task.live ?? task.result?.status ?? 'carried-over';
}

/**
 * The tasks of the day: those with a run in its ledger and those whose result finished that day
 * (rejected and canceled-before-running tasks have no run), each with where it is now. On the
 * report of today, tasks running or waiting for an answer now belong to it too, their runs not
 * yet in the ledger.
 */
export async function collectDayTasks(
	layout: Layout,
	workers: readonly string[],
	input: {runs: DayRuns; live: LiveTasks; questions: OpenQuestion[]; span: {from: number; until: number}; isToday: boolean; now: number},
): Promise<{tasks: DayTask[]; unreadable: number}> {
	const tasks = new Map<string, Omit<DayTask, 'state' | 'workflow'>>();
	for (const [key, runs] of input.runs.tasks) {
		tasks.set(key, {worker: runs.worker, id: runs.id, runs});
	}

	let unreadable = 0;
	for (const worker of workers) {
		const ran = new Set([...input.runs.tasks.values()].filter(runs => runs.worker === worker).map(runs => runs.id));
		const found = await readDayResults(layout, worker, ran, input.span);
		unreadable += found.unreadable;
		for (const result of found.results) {
			const key = `${worker}/${result.id}`;
			tasks.set(key, {...(tasks.get(key) ?? {worker, id: result.id}), result});
		}
	}

	const markLive = (worker: string, id: string, live: LiveState | (() => LiveState), join: boolean) => {
		const key = `${worker}/${id}`;
		const task = tasks.get(key) ?? (join ? {worker, id} : undefined);
		if (task && task.live === undefined) {
			tasks.set(key, {...task, live: typeof live === 'function' ? live() : live});
		}
	};

	for (const running of input.live.running) {
		markLive(running.worker, running.id, 'running', input.isToday);
	}

	for (const question of input.questions) {
		markLive(question.worker, question.id, 'waiting', input.isToday);
	}

	for (const [worker, names] of input.live.queued) {
		for (const name of names) {
			// Only the day's own: the backlog is counted, never read.
			markLive(worker, taskIdOf(name), () => queuedStateOf(layout, worker, taskIdOf(name), input.now), false);
		}
	}

	const runningWorkflow = new Map(input.live.running.map(running => [`${running.worker}/${running.id}`, running.workflow]));
	return {
		tasks: [...tasks.entries()].map(([key, task]) => ({...task, state: stateOfDayTask(task), workflow: workflowOf(task.result) ?? task.runs?.workflow ?? runningWorkflow.get(key) ?? null})),
		unreadable,
	};
}

/** A workflow's task carries its workflow in its metadata (the orchestrator writes it there). */
function workflowOf(result: TaskResult | undefined): string | null {
	return typeof result?.metadata?.workflow === 'string' ? result.metadata.workflow : null;
}

/** Tasks counted by state, only the states that occur. */
export function countTasks(tasks: readonly Pick<DayTask, 'state'>[]): ReportTasks {
	const states: ReportTasks['states'] = {};
	for (const task of tasks) {
		states[task.state] = (states[task.state] ?? 0) + 1;
	}

	return {total: tasks.length, states};
}
