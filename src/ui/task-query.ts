import {SpoolError} from '../errors.ts';
import {isQueueState, TASK_STATES, type QueueState} from '../lifecycle/states.ts';

/** One row of the Tasks view: what a task's files say, cut to what a list shows. */
export type TaskSummary = {
	worker: string;
	id: string;
	state: QueueState;
	/** Its file's mtime: dropped (pending), last lease renewal (running), written (finished). */
	mtimeMs: number;
	attempts: number | null;
	costUsd: number | null;
	workflow: string | null;
	/** The prompt's start, on one line. */
	prompt: string;
	/** A finished task's error code and when it finished; a delayed one's time it may run. */
	error?: string;
	finishedAt?: string;
	until?: string;
};

/** GET /api/tasks: which tasks, and which page of them. */
export type TaskQuery = {
	worker?: string;
	state?: QueueState;
	workflow?: string;
	/** Words the id, worker, workflow, prompt or error code must contain, any case. */
	q?: string;
	/** From 1. */
	page: number;
	pageSize: number;
};

export type TaskPage = {
	tasks: TaskSummary[];
	page: number;
	pageSize: number;
	/** Tasks that match, on every page. */
	total: number;
	pages: number;
};

export const PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;

/** Reads the query string; a bad value names the parameter, what it takes and what it got. */
export function parseTaskQuery(params: URLSearchParams, workers: readonly string[]): TaskQuery {
	const bad = (name: string, takes: string, got: string) => new SpoolError('bad_query', `?${name}= takes ${takes}; got "${got}"`);
	const query: TaskQuery = {page: 1, pageSize: PAGE_SIZE};
	const worker = params.get('worker') || undefined;
	if (worker !== undefined) {
		if (!workers.includes(worker)) {
			throw bad('worker', `a worker of spool.yaml (${workers.join(', ')})`, worker);
		}

		query.worker = worker;
	}

	const state = params.get('state') || undefined;
	if (state !== undefined) {
		if (!isQueueState(state)) {
			throw bad('state', `one of ${TASK_STATES.join(', ')}`, state);
		}

		query.state = state;
	}

	const workflow = params.get('workflow') || undefined;
	if (workflow !== undefined) {
		query.workflow = workflow;
	}

	const q = params.get('q')?.trim();
	if (q) {
		query.q = q;
	}

	for (const [name, field, max] of [['page', 'page', Number.MAX_SAFE_INTEGER], ['pageSize', 'pageSize', MAX_PAGE_SIZE]] as const) {
		const text = params.get(name);
		if (text === null || text === '') {
			continue;
		}

		const value = Number(text);
		if (!Number.isSafeInteger(value) || value < 1 || value > max) {
			throw bad(name, `a whole number from 1${max === MAX_PAGE_SIZE ? ` to ${MAX_PAGE_SIZE}` : ''}`, text);
		}

		query[field] = value;
	}

	return query;
}

/** Whether the query looks inside the files (state, workflow, words) or only at names and times. */
export function readsContent(query: TaskQuery): boolean {
	return query.state !== undefined || query.workflow !== undefined || query.q !== undefined;
}

/** Does the task pass the query's filters (the worker is filtered before, by name)? */
export function matchesQuery(summary: TaskSummary, query: TaskQuery): boolean {
	if (query.worker !== undefined && summary.worker !== query.worker) {
		return false;
	}

	if (query.state !== undefined && summary.state !== query.state) {
		return false;
	}

	if (query.workflow !== undefined && summary.workflow !== query.workflow) {
		return false;
	}

	if (query.q === undefined) {
		return true;
	}

	const haystack = `${summary.worker}/${summary.id} ${summary.workflow ?? ''} ${summary.prompt} ${summary.error ?? ''}`.toLowerCase();
	return query.q.toLowerCase().split(/\s+/).every(word => haystack.includes(word));
}

/** Page `page` of `total` items, counted from 1; a page past the end is empty and says how many there are. */
export function pageBounds(total: number, page: number, pageSize: number): {start: number; end: number; pages: number} {
	const pages = Math.max(1, Math.ceil(total / pageSize));
	const start = (page - 1) * pageSize;
	return {start: Math.min(start, total), end: Math.min(start + pageSize, total), pages};
}

/** Newest first; ties by worker and id, so a page never shuffles between two reads. */
export function compareNewestFirst(a: {mtimeMs: number; worker: string; id: string}, b: {mtimeMs: number; worker: string; id: string}): number {
	return b.mtimeMs - a.mtimeMs || a.worker.localeCompare(b.worker) || a.id.localeCompare(b.id);
}
