import {expect, test} from 'vitest';
import {cancelState, retryState} from '../../src/orchestrator/requests.ts';
import {createState, type WorkflowState} from '../../src/orchestrator/state.ts';
import type {TaskState} from '../../src/orchestrator/task-state.ts';

const at = '2026-12-01T10:00:00.000Z';
const error = {code: 'api_error' as const, message: 'API error 400: no'};

/** A finished workflow: a succeeded ($0.50), b failed ($0.25), c skipped because of b, d waiting (never reached). */
function finished(): WorkflowState {
	const state = createState({id: 'w', tasks: ['a', 'b', 'c', 'd'].map(id => ({id, worker: 'coder', prompt: `do ${id}`}))}, ['workflows/w.yaml']);
	const [a, b, c, d] = state.tasks as [TaskState, TaskState, TaskState, TaskState];
	const tasks: TaskState[] = [
		{...a, status: 'succeeded', queuedAt: at, finishedAt: at, costUsd: 0.5, durationMs: 1, attempts: 1, error: null},
		{...b, status: 'failed', queuedAt: at, finishedAt: at, costUsd: 0.25, durationMs: 1, attempts: 1, error},
		{...c, status: 'skipped', queuedAt: null, finishedAt: at, costUsd: 0, durationMs: null, attempts: null, error: {code: 'dependency_failed', message: 'not run'}},
		d,
	];
	return {...state, status: 'failed', finishedAt: at, error: {code: 'tasks_failed', message: 'b failed'}, tasks};
}

test('retry: failed and skipped tasks wait again, succeeded ones keep their results, and what the failed runs cost still counts', () => {
	const state = finished();
	const next = retryState(state);
	expect(next).toMatchObject({status: 'running', finishedAt: null, error: null, retriedCostUsd: 0.25});
	expect(next.tasks.map(task => `${task.id} ${task.status} ${task.costUsd}`)).toEqual(['a succeeded 0.5', 'b waiting 0', 'c waiting 0', 'd waiting 0']);
	// A second retry after b failed again adds its new cost.
	const failedAgain = {...(finished().tasks[1] as Extract<TaskState, {status: 'failed'}>), costUsd: 0.1};
	const again = retryState({...next, status: 'failed', finishedAt: at, tasks: next.tasks.map((task): TaskState => (task.id === 'b' ? failedAgain : task))});
	expect(again.retriedCostUsd).toBeCloseTo(0.35);
});

test('retry changes nothing when no task failed or was skipped', () => {
	const state = createState({id: 'w', tasks: [{id: 'a', worker: 'coder', prompt: 'x'}]}, ['workflows/w.yaml']);
	expect(retryState(state)).toBe(state);
});

test('cancel: a running workflow\'s waiting tasks are skipped as canceled; a finished one is left as it is', () => {
	const running = {...finished(), status: 'running' as const, finishedAt: null, error: null};
	const canceled = cancelState(running, at);
	expect(canceled.tasks.map(task => `${task.id} ${task.status} ${task.error?.code ?? ''}`)).toEqual(['a succeeded ', 'b failed api_error', 'c skipped dependency_failed', 'd skipped canceled']);
	const done = finished();
	expect(cancelState(done, at)).toBe(done);
});
