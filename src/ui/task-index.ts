import fs from 'node:fs';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {TaskLocation} from '../control/find.ts';
import {parseEntryName} from '../lifecycle/names.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {readdirOrEmpty} from '../queue/read-file.ts';
import {compareNewestFirst, matchesQuery, pageBounds, readsContent, type TaskPage, type TaskQuery, type TaskSummary} from './task-query.ts';
import {summarizeTask} from './task-summary.ts';

/** A task the index knows: where it lies, and its row once read (dropped when its file changes). */
type Indexed = {location: TaskLocation; summary?: TaskSummary | null};

/** Summaries read per turn of the event loop while the index warms up: a page answers between two turns. */
const WARM_CHUNK = 250;

/**
 * Every task of the home, kept in memory and updated by the home watcher, so that a page of the Tasks
 * view costs no listing of results/: a folder of 100,000 results is listed and lstat-ed once at start.
 * Rows are read from the files lazily (the page shown, or every file a filter must look into) and then
 * kept; a background pass reads the rest after start, so filters answer from memory soon after. The
 * rules of which entry is a task, and which hides which, are locateTasks's (control/find.ts).
 */
export class TaskIndex {
	readonly #config: Config;
	readonly #layout: Layout;
	readonly #live = new Map<string, Map<string, Indexed>>();
	readonly #finished = new Map<string, Map<string, Indexed>>();
	#sorted: Indexed[] | undefined;
	#warming: Promise<void> | undefined;
	#closed = false;

	constructor(config: Config) {
		this.#config = config;
		this.#layout = createLayout(config.home);
		for (const worker of this.workers) {
			this.#live.set(worker, new Map());
			this.#finished.set(worker, new Map());
			this.rescanLive(worker);
			this.reconcileFinished(worker);
		}
	}

	get workers(): string[] {
		return Object.keys(this.#config.workers);
	}

	/** Reads every row not read yet, a chunk per turn of the event loop. Resolves once all are read. Safe to call twice. */
	warm(): Promise<void> {
		this.#warming ??= (async () => {
			for (const worker of this.workers) {
				const pending = [...this.#finished.get(worker)!.values()].filter(indexed => indexed.summary === undefined);
				for (let start = 0; start < pending.length && !this.#closed; start += WARM_CHUNK) {
					for (const indexed of pending.slice(start, start + WARM_CHUNK)) {
						this.#summaryOf(indexed);
					}

					await new Promise(resolve => setImmediate(resolve));
				}
			}
		})();
		return this.#warming;
	}

	close(): void {
		this.#closed = true;
	}

	/** tasks/W, processing/W/OWNER/ and waiting/W listed again: small folders. Returns the ids whose entry changed. */
	rescanLive(worker: string): string[] {
		const before = this.#live.get(worker)!;
		const after = new Map<string, Indexed>();
		const add = (location: Omit<TaskLocation, 'mtimeMs'>) => {
			if (after.get(location.id)?.location.where === 'running') {
				return;
			}

			const stat = fs.lstatSync(location.file, {throwIfNoEntry: false});
			if (stat) {
				const old = before.get(location.id);
				const same = old && old.location.file === location.file && old.location.mtimeMs === stat.mtimeMs;
				after.set(location.id, same ? old : {location: {...location, mtimeMs: stat.mtimeMs}});
			}
		};

		const {layout} = this;
		for (const name of readdirOrEmpty(layout.tasks(worker))) {
			const entry = parseEntryName(name);
			if (entry.kind === 'task') {
				add({worker, id: entry.id, where: 'pending', file: path.join(layout.tasks(worker), name)});
			}
		}

		for (const owner of readdirOrEmpty(layout.processing(worker)).filter(name => !name.startsWith('.'))) {
			for (const name of readdirOrEmpty(layout.claims(worker, owner))) {
				const entry = parseEntryName(name);
				if (entry.kind === 'task' || entry.kind === 'started') {
					// A claim wins over a pending file of the same id: the id dropped again waits behind its run.
					after.delete(entry.id);
					add({worker, id: entry.id, where: 'running', file: path.join(layout.claims(worker, owner), name), owner, ...(entry.kind === 'started' ? {attempt: entry.started.attempt} : {})});
				}
			}
		}

		for (const name of readdirOrEmpty(layout.waiting(worker))) {
			const entry = parseEntryName(name);
			const id = entry.kind === 'task' ? entry.id : entry.kind === 'fenced' ? entry.claim.id : undefined;
			if (id !== undefined && !after.has(id)) {
				add({worker, id, where: 'waiting', file: path.join(layout.waiting(worker), name)});
			}
		}

		this.#live.set(worker, after);
		const changed = [...new Set([...before.keys(), ...after.keys()])].filter(id => before.get(id) !== after.get(id));
		if (changed.length > 0) {
			this.#sorted = undefined;
		}

		return changed;
	}

	/** results/W/ID.json appeared, changed or went: one lstat. Returns whether the index changed. */
	updateFinished(worker: string, id: string): boolean {
		const finished = this.#finished.get(worker)!;
		const file = this.layout.resultFile(worker, id);
		const stat = fs.lstatSync(file, {throwIfNoEntry: false});
		const old = finished.get(id);
		if (!stat) {
			this.#sorted = old ? undefined : this.#sorted;
			return finished.delete(id);
		}

		if (old?.location.mtimeMs === stat.mtimeMs) {
			return false;
		}

		finished.set(id, {location: {worker, id, where: 'finished', file, mtimeMs: stat.mtimeMs}});
		this.#sorted = undefined;
		return true;
	}

	/** results/W listed again (at start, and when an event named no file or may have been missed): new names added, gone ones dropped. */
	reconcileFinished(worker: string): string[] {
		const finished = this.#finished.get(worker)!;
		const seen = new Set<string>();
		const changed: string[] = [];
		for (const name of readdirOrEmpty(this.layout.results(worker))) {
			const entry = parseEntryName(name);
			if (entry.kind === 'task') {
				seen.add(entry.id);
				if (!finished.has(entry.id) && this.updateFinished(worker, entry.id)) {
					changed.push(entry.id);
				}
			}
		}

		for (const id of finished.keys()) {
			if (!seen.has(id)) {
				finished.delete(id);
				changed.push(id);
				this.#sorted = undefined;
			}
		}

		return changed;
	}

	/** One page of the tasks the query lets through, newest first. */
	query(query: TaskQuery, now = Date.now()): TaskPage {
		const candidates = this.#all().filter(indexed => query.worker === undefined || indexed.location.worker === query.worker);
		if (!readsContent(query)) {
			const {start, end, pages} = pageBounds(candidates.length, query.page, query.pageSize);
			const tasks = candidates.slice(start, end).flatMap(indexed => this.#rowOf(indexed, now) ?? []);
			return {tasks, page: query.page, pageSize: query.pageSize, total: candidates.length, pages};
		}

		const matching = candidates.flatMap(indexed => {
			const row = this.#rowOf(indexed, now);
			return row && matchesQuery(row, query) ? [row] : [];
		});
		const {start, end, pages} = pageBounds(matching.length, query.page, query.pageSize);
		return {tasks: matching.slice(start, end), page: query.page, pageSize: query.pageSize, total: matching.length, pages};
	}

	/** Where a task lies now, as the index knows it (a live entry first). */
	locate(worker: string, id: string): TaskLocation | undefined {
		return (this.#live.get(worker)?.get(id) ?? this.#finished.get(worker)?.get(id))?.location;
	}

	/** The live entries of a worker: its pending, running and waiting tasks. */
	liveOf(worker: string): TaskSummary[] {
		return [...(this.#live.get(worker)?.values() ?? [])].flatMap(indexed => this.#rowOf(indexed, Date.now()) ?? []);
	}

	get layout(): Layout {
		return this.#layout;
	}

	/** Every task, newest first: live entries, and the results of ids with no live entry. Sorted again only after a change. */
	#all(): Indexed[] {
		if (this.#sorted === undefined) {
			const all: Indexed[] = [];
			for (const worker of this.workers) {
				const live = this.#live.get(worker)!;
				all.push(...live.values());
				for (const [id, indexed] of this.#finished.get(worker)!) {
					if (!live.has(id)) {
						all.push(indexed);
					}
				}
			}

			this.#sorted = all.sort((a, b) => compareNewestFirst(a.location, b.location));
		}

		return this.#sorted;
	}

	/** The row, with a delayed task's state as of now: its file does not change when its time comes. */
	#rowOf(indexed: Indexed, now: number): TaskSummary | undefined {
		const row = this.#summaryOf(indexed);
		if (row?.state === 'delayed' && row.until !== undefined && Date.parse(row.until) <= now) {
			const {until: _until, ...rest} = row;
			return {...rest, state: 'pending'};
		}

		return row;
	}

	#summaryOf(indexed: Indexed): TaskSummary | undefined {
		if (indexed.summary === undefined) {
			indexed.summary = summarizeTask(indexed.location) ?? null;
		}

		return indexed.summary ?? undefined;
	}
}
