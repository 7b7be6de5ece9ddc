import {describe, expect, test} from 'vitest';
import {buildResult, type TaskResult} from '../../src/queue/result.ts';
import {validateWorkflow} from '../../src/orchestrator/validate.ts';
import {createState, type RunningState} from '../../src/orchestrator/state.ts';
import {decideStep, LOST_AFTER_MS, type Observation} from '../../src/orchestrator/step.ts';
import {markFailed, markFinished, markQueued, markSkipped, type TaskState} from '../../src/orchestrator/task-state.ts';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

/** How a task stands before the step: as the state file would say. */
type Before = 'waiting' | 'queued' | {succeeded: number} | {failed: string} | {skipped: string};

function result(status: TaskResult['status'], costUsd = 0.01, extra: Partial<TaskResult> = {}): TaskResult {
	return buildResult({id: 'x', worker: 'coder', owner: 'o', runId: 'r', attempts: 1, startedAt: new Date(T0)}, {status, costUsd, ...extra});
}

function given(graph: Record<string, string[]>, before: Record<string, Before> = {}, workflow: {max_cost_usd?: number} = {}): RunningState {
	const tasks = Object.entries(graph).map(([id, dependsOn]) => ({id, worker: 'coder', prompt: `do ${id}`, dependsOn}));
	const checked = validateWorkflow({...workflow, tasks}, {id: 'w', workers: ['coder'], checkId: true});
	if (!checked.ok) {
		throw new Error(checked.problems.join('\n'));
	}

	const state = createState(checked.workflow, ['workflows/w.json'], new Date(T0));
	return {...state, tasks: state.tasks.map(task => (task.status === 'waiting' ? place(task, before[task.id] ?? 'waiting') : task))};
}

function place(task: Extract<TaskState, {status: 'waiting'}>, before: Before): TaskState {
	if (before === 'waiting') {
		return task;
	}

	const queued = markQueued(task, at(0));
	if (before === 'queued') {
		return queued;
	}

	if ('succeeded' in before) {
		return markFinished(queued, result('succeeded', before.succeeded));
	}

	if ('failed' in before) {
		return markFailed(queued, {code: 'api_error', message: before.failed}, at(0));
	}

	return markSkipped(task, {code: 'dependency_failed', message: before.skipped}, at(0));
}

const finished = (status: TaskResult['status'], costUsd?: number, extra?: Partial<TaskResult>): Observation => ({where: 'finished', result: result(status, costUsd, extra)});
const nowhere = (sinceMs: number): Observation => ({where: 'nowhere', missingSinceMs: T0 + sinceMs, file: 'tasks/coder/w--a.json'});

type Row = {
	name: string;
	state: RunningState;
	seen?: Record<string, Observation>;
	nowMs?: number;
	/** Each task's status after the step, and the error code of those that have one. */
	statuses: Record<string, string>;
	ready: string[];
	done?: boolean;
	errors?: Record<string, string>;
	workflowError?: string;
};

const rows: Row[] = [
	{name: 'tasks without dependencies are ready at once', state: given({a: [], b: []}), statuses: {a: 'waiting', b: 'waiting'}, ready: ['a', 'b']},
	{name: 'a task waits while a dependency is queued', state: given({a: [], b: ['a']}, {a: 'queued'}), statuses: {a: 'queued', b: 'waiting'}, ready: []},
	{name: 'a pending or running task changes nothing', state: given({a: [], b: []}, {a: 'queued', b: 'queued'}), seen: {a: {where: 'pending'}, b: {where: 'running'}}, statuses: {a: 'queued', b: 'queued'}, ready: []},
	{
		name: 'a succeeded result readies the task that depends on it',
		state: given({a: [], b: ['a']}, {a: 'queued'}),
		seen: {a: finished('succeeded')},
		statuses: {a: 'succeeded', b: 'waiting'},
		ready: ['b'],
	},
	{
		name: 'a task is ready only once every dependency succeeded',
		state: given({a: [], b: [], c: ['a', 'b']}, {a: {succeeded: 0}, b: 'queued'}),
		statuses: {a: 'succeeded', b: 'queued', c: 'waiting'},
		ready: [],
	},
	{
		name: 'a failed result skips everything below it, naming the root; an independent branch goes on',
		state: given({a: [], b: ['a'], c: ['b'], d: []}, {a: 'queued', d: 'queued'}),
		seen: {a: finished('failed', 0, {error: {code: 'api_error', message: 'boom'}}), d: finished('succeeded')},
		statuses: {a: 'failed', b: 'skipped', c: 'skipped', d: 'succeeded'},
		ready: [],
		done: true,
		errors: {a: 'api_error: boom', b: 'dependency_failed: not run: "a" failed (api_error: boom)', c: 'dependency_failed: not run: "b" was skipped, because "a" failed (api_error: boom)'},
	},
	{
		name: 'a dead or rejected result fails the task; one without an error is named anyway',
		state: given({a: [], b: []}, {a: 'queued', b: 'queued'}),
		seen: {a: finished('dead', 0, {error: {code: 'attempts_exhausted', message: 'no attempt left'}}), b: finished('rejected', 0)},
		statuses: {a: 'failed', b: 'failed'},
		ready: [],
		done: true,
		errors: {a: 'attempts_exhausted: no attempt left', b: 'claude_error: the task was rejected, and its result names no error'},
	},
	{
		name: 'a queued task in no folder is lost only after LOST_AFTER_MS',
		state: given({a: []}, {a: 'queued'}),
		seen: {a: nowhere(0)},
		nowMs: LOST_AFTER_MS,
		statuses: {a: 'queued'},
		ready: [],
	},
	{
		name: 'a queued task in no folder for longer fails task_lost',
		state: given({a: [], b: ['a']}, {a: 'queued'}),
		seen: {a: nowhere(0)},
		nowMs: LOST_AFTER_MS + 1,
		statuses: {a: 'failed', b: 'skipped'},
		ready: [],
		done: true,
		errors: {a: 'task_lost: tasks/coder/w--a.json disappeared without a result (deleted by hand?)'},
	},
	{
		name: 'once finished tasks cost max_cost_usd, ready tasks are skipped; queued ones run on',
		state: given({a: [], b: ['a'], c: ['b'], q: []}, {a: 'queued', q: 'queued'}, {max_cost_usd: 0.05}),
		seen: {a: finished('succeeded', 0.03, {history: [{attempt: 1, error: {code: 'timeout', message: 't'}, finishedAt: at(0), costUsd: 0.02}]})},
		statuses: {a: 'succeeded', b: 'skipped', c: 'skipped', q: 'queued'},
		ready: [],
		errors: {b: "max_cost_reached: not queued: the workflow's finished tasks cost $0.0500, which reached its max_cost_usd of $0.05"},
		workflowError: 'max_cost_reached',
	},
	{name: 'under the budget, a ready task is queued', state: given({a: [], b: ['a']}, {a: {succeeded: 0.01}}, {max_cost_usd: 0.05}), statuses: {a: 'succeeded', b: 'waiting'}, ready: ['b']},
	{name: 'a workflow whose tasks all finished is done', state: given({a: [], b: ['a']}, {a: {succeeded: 0}, b: {succeeded: 0}}), statuses: {a: 'succeeded', b: 'succeeded'}, ready: [], done: true},
];

describe('decideStep: one step of a running workflow, without I/O', () => {
	test.each(rows)('$name', row => {
		const input = JSON.stringify(row.state);
		const decision = decideStep(row.state, new Map(Object.entries(row.seen ?? {})), T0 + (row.nowMs ?? 1000));
		expect(Object.fromEntries(decision.state.tasks.map(task => [task.id, task.status]))).toEqual(row.statuses);
		expect(decision.ready).toEqual(row.ready);
		expect(decision.done).toBe(row.done ?? false);
		const errors = Object.fromEntries(decision.state.tasks.filter(task => task.error).map(task => [task.id, `${task.error!.code}: ${task.error!.message}`]));
		expect(errors).toMatchObject(row.errors ?? {});
		expect(decision.state.error?.code).toBe(row.workflowError);
		// The input is never changed: the decision is a new state.
		expect(JSON.stringify(row.state)).toBe(input);
	});

	test('a finished task carries its result: cost of every attempt, duration, attempts', () => {
		const decision = decideStep(given({a: []}, {a: 'queued'}), new Map([['a', finished('succeeded', 0.03, {attempts: 2, durationMs: 1500, history: [{attempt: 1, error: {code: 'timeout', message: 't'}, finishedAt: at(0), costUsd: 0.02}]})]]), T0);
		expect(decision.state.tasks[0]).toMatchObject({status: 'succeeded', costUsd: 0.05, durationMs: 1500, attempts: 2, queuedAt: at(0), error: null});
		expect(decision.events).toEqual([{kind: 'finished', task: decision.state.tasks[0]}]);
	});
});
