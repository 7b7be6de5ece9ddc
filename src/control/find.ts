import fs from 'node:fs';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {parseEntryName} from '../lifecycle/names.ts';
import {pendingStateOf, type QueueState} from '../lifecycle/states.ts';
import {createLayout} from '../queue/layout.ts';
import {isObject, readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {costOf, readResultFile, type TaskResult} from '../queue/result.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';
import {questionsOf, type AskRecord} from '../ask/ask-record.ts';

/** Where one task lies, found by a directory listing and one lstat: nothing read yet. */
export type TaskLocation = {
	worker: string;
	id: string;
	where: 'pending' | 'running' | 'waiting' | 'finished';
	/** The file that holds its state, absolute. */
	file: string;
	/** Its mtime: dropped (pending), last lease renewal (running), written (finished). */
	mtimeMs: number;
	/** For a running task: the loop that holds it, and the attempt once the run started. */
	owner?: string;
	attempt?: number;
};

/** A located task, read: what `spool list` prints one line of. */
export type TaskEntry = TaskLocation & {
	state: QueueState;
	/** Runs made so far (finished), or the run under way (running). */
	attempts: number | null;
	costUsd: number | null;
	workflow: string | null;
	/** For a delayed task: when it may run. */
	until?: string;
	/** The task as dropped (pending, running) or as its result copied it; undefined when unreadable. */
	task?: Record<string, unknown>;
	result?: TaskResult;
};

/**
 * Every task of the given workers, as `ls` of tasks/, processing/ and results/ would show them. A live
 * entry (pending or running) hides a result of the same id, which an earlier run wrote.
 */
export function locateTasks(config: Config, workers: readonly string[] = Object.keys(config.workers)): TaskLocation[] {
	const layout = createLayout(config.home);
	const found: TaskLocation[] = [];
	for (const worker of workers) {
		const live = new Set<string>();
		for (const name of readdirOrEmpty(layout.tasks(worker))) {
			const entry = parseEntryName(name);
			if (entry.kind === 'task') {
				add(found, live, {worker, id: entry.id, where: 'pending', file: path.join(layout.tasks(worker), name)});
			}
		}

		for (const owner of readdirOrEmpty(layout.processing(worker)).filter(name => !name.startsWith('.'))) {
			for (const name of readdirOrEmpty(layout.claims(worker, owner))) {
				const entry = parseEntryName(name);
				if (entry.kind === 'task' || entry.kind === 'started') {
					const attempt = entry.kind === 'started' ? {attempt: entry.started.attempt} : {};
					add(found, live, {worker, id: entry.id, where: 'running', file: path.join(layout.claims(worker, owner), name), owner, ...attempt});
				}
			}
		}

		for (const name of readdirOrEmpty(layout.waiting(worker))) {
			// A fenced name is a move out of waiting/ under way (or cut short by a crash): still waiting.
			const entry = parseEntryName(name);
			const id = entry.kind === 'task' ? entry.id : entry.kind === 'fenced' ? entry.claim.id : undefined;
			if (id !== undefined && !live.has(id)) {
				add(found, live, {worker, id, where: 'waiting', file: path.join(layout.waiting(worker), name)});
			}
		}

		for (const name of readdirOrEmpty(layout.results(worker))) {
			const entry = parseEntryName(name);
			if (entry.kind === 'task' && !live.has(entry.id)) {
				add(found, live, {worker, id: entry.id, where: 'finished', file: path.join(layout.results(worker), name)});
			}
		}
	}

	return found;
}

function add(found: TaskLocation[], live: Set<string>, location: Omit<TaskLocation, 'mtimeMs'>): void {
	const stat = fs.lstatSync(location.file, {throwIfNoEntry: false});
	if (!stat) {
		return; // Moved on between the listing and the lstat: the next listing finds it where it went.
	}

	// A pending entry the listing saw just before a loop claimed it is dropped; one still there is the id dropped again.
	const index = found.findIndex(other => other.worker === location.worker && other.id === location.id && other.where === 'pending');
	if (location.where === 'running' && index !== -1 && !fs.lstatSync(found[index]!.file, {throwIfNoEntry: false})) {
		found.splice(index, 1);
	}

	live.add(location.id);
	found.push({...location, mtimeMs: stat.mtimeMs});
}

/** Reads what a location's file says: its state, attempts, cost and workflow. */
export function readTaskEntry(location: TaskLocation, now = Date.now()): TaskEntry {
	if (location.where === 'finished') {
		const result = readResultFile(location.file);
		if (!result) {
			return {...location, state: 'failed', attempts: null, costUsd: null, workflow: null};
		}

		return {...location, state: result.status, attempts: result.attempts, costUsd: costOf(result), workflow: workflowOf(result.metadata), task: result.task, result};
	}

	const raw = readJsonFile(location.file, TASK_LIMITS.maxBytes);
	const task = isObject(raw) ? raw : undefined;
	const earlier = task ? costOf({costUsd: 0, history: Array.isArray(task.history) ? (task.history as TaskResult['history']) : [], questions: questionsOf(task as {ask?: AskRecord; questions?: AskRecord[]}).questions}) : 0;
	const made = typeof task?.attempts === 'number' ? task.attempts : 0;
	const workflow = workflowOf(isObject(task?.metadata) ? task.metadata : undefined);
	if (location.where === 'running') {
		return {...location, state: 'running', attempts: location.attempt ?? made + 1, costUsd: earlier, workflow, ...(task ? {task} : {})};
	}

	if (location.where === 'waiting') {
		return {...location, state: 'waiting', attempts: made, costUsd: earlier, workflow, ...(task ? {task} : {})};
	}

	const {state, until} = pendingStateOf(task ?? {}, now);
	return {...location, state, attempts: made, costUsd: earlier, workflow, ...(until ? {until} : {}), ...(task ? {task} : {})};
}

/** A workflow task carries its workflow in its metadata (the orchestrator writes it there); a name alone proves nothing. */
function workflowOf(metadata: Record<string, unknown> | undefined): string | null {
	return typeof metadata?.workflow === 'string' ? metadata.workflow : null;
}

/**
 * The one task `ref` names: `WORKER/ID`, or a bare `ID` found under exactly one worker. An id found under
 * several asks for the WORKER/ID form; one found nowhere says where it looked.
 */
export function findTask(config: Config, ref: string): TaskEntry {
	const {worker, id} = splitRef(config, ref);
	const matches = locateTasks(config, worker ? [worker] : undefined).filter(location => location.id === id);
	if (matches.length === 0) {
		const where = worker ? `tasks/${worker}/, processing/${worker}/, waiting/${worker}/ or results/${worker}/` : 'the folders of any worker';
		throw new SpoolError('task_not_found', `no task "${id}" in ${where}`);
	}

	const workers = [...new Set(matches.map(match => match.worker))];
	if (workers.length > 1) {
		throw new SpoolError('task_ambiguous', `task "${id}" is found under ${workers.join(' and ')}: name it as ${workers.map(name => `${name}/${id}`).join(' or ')}`);
	}

	const entry = readTaskEntry(matches.find(match => match.where !== 'finished') ?? matches[0]!);
	if (entry.where === 'finished' && !entry.result) {
		throw new SpoolError('result_unreadable', `${path.relative(config.home, entry.file)} is not a spool result (a file that is not spool's, or a result from a newer spool)`);
	}

	return entry;
}

/** `WORKER/ID` or `ID`; the worker must be one of spool.yaml's. */
export function splitRef(config: Config, ref: string): {worker?: string; id: string} {
	const slash = ref.indexOf('/');
	if (slash === -1) {
		return {id: ref};
	}

	const worker = ref.slice(0, slash);
	if (!config.workers[worker]) {
		throw new SpoolError('unknown_worker', `no worker named "${worker}" in ${config.file} (workers: ${Object.keys(config.workers).join(', ')})`);
	}

	return {worker, id: ref.slice(slash + 1)};
}
