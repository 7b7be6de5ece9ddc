import fs from 'node:fs';
import path from 'node:path';
import {isTaskFileName} from '../lifecycle/names.ts';
import {isObject} from './read-file.ts';
import {checkDepth, readTaskFile} from './task-limits.ts';

/** Whether a pending file can be claimed now: it parses (or stayed unparsable past the grace), and no retry backoff holds it. */
export type Readiness = {kind: 'ready'} | {kind: 'wait'; until?: number} | {kind: 'gone'};

export type PendingIndexOptions = {
	/**
	 * The wait after a scan before the next one, per folder entry it read, in ms: 100,000 pending files
	 * are read at most every 10 s (about 1.5 % of a core), a hundred every 10 ms. Scanning a big backlog
	 * more often gains nothing: what a scan finds goes behind every name already pending. It counts
	 * entries, not time, so that a busy machine does not space out the scans of a small folder.
	 * @default 0.1
	 */
	scanSpacingPerEntry?: number;
};

/** Folder entries fetched per read while a scan streams the folder. */
const SCAN_BATCH = 1024;

type Waiting = {size: number; mtimeMs: number; since: number};

/**
 * The pending task files of one folder, in the order they were found (each scan's new names sorted).
 * File events only add hints; `scan()` re-reads the folder and is the truth.
 *
 * The cost of a claim must not grow with the backlog, so a scan streams the folder instead of holding
 * all of it at once, sorts only the names it had not seen, and scans of a huge folder are spaced out.
 */
export class PendingIndex {
	readonly #dir: string;
	readonly #scanSpacingPerEntry: number;
	/** Each name with the number of the last scan that saw it (or that ran when an event added it). */
	readonly #entries = new Map<string, number>();
	/** The files that did not parse yet: size and mtime when first seen so, for the grace period. */
	readonly #waiting = new Map<string, Waiting>();
	/** The retries held by a backoff: when each is due, on the monotonic clock. */
	readonly #due = new Map<string, {retryAt: string; dueMonotonic: number}>();
	#generation = 0;
	#scanning: Promise<void> | undefined;
	#scanAgain: Promise<void> | undefined;
	#nextScanAt = 0;

	constructor(dir: string, options: PendingIndexOptions = {}) {
		this.#dir = dir;
		this.#scanSpacingPerEntry = options.scanSpacingPerEntry ?? 0.1;
	}

	get size(): number {
		return this.#entries.size;
	}

	/**
	 * Re-reads the folder: adds new task files, forgets the ones that are gone. One scan at a time: asked
	 * during a scan, it runs one more after it, since the running one may have read past a new file.
	 */
	scan(): Promise<void> {
		if (this.#scanning) {
			this.#scanAgain ??= this.#scanning.catch(() => undefined).then(() => {
				this.#scanAgain = undefined;
				return this.scan();
			});
			return this.#scanAgain;
		}

		if (performance.now() < this.#nextScanAt) {
			return Promise.resolve();
		}

		this.#scanning = this.#scan().finally(() => {
			this.#scanning = undefined;
		});
		return this.#scanning;
	}

	async #scan(): Promise<void> {
		const generation = ++this.#generation;
		const found: string[] = [];
		let read = 0;
		for await (const entry of await fs.promises.opendir(this.#dir, {bufferSize: SCAN_BATCH})) {
			read++;
			if (!isTaskFileName(entry.name)) {
				continue;
			}

			if (this.#entries.has(entry.name)) {
				this.#entries.set(entry.name, generation);
			} else {
				found.push(entry.name);
			}
		}

		// Names an event added while the folder was read carry this generation too, so they stay.
		for (const [name, seen] of this.#entries) {
			if (seen < generation) {
				this.delete(name);
			}
		}

		for (const name of found.sort()) {
			this.#entries.set(name, generation);
		}

		this.#nextScanAt = performance.now() + read * this.#scanSpacingPerEntry;
	}

	add(name: string): void {
		if (isTaskFileName(name) && !this.#entries.has(name)) {
			this.#entries.set(name, this.#generation);
		}
	}

	delete(name: string): void {
		this.#entries.delete(name);
		this.#waiting.delete(name);
		this.#due.delete(name);
	}

	/** The names in order. The iterator is live: names added or deleted while it runs are seen or skipped. */
	names(): IterableIterator<string> {
		return this.#entries.keys();
	}

	/**
	 * Reads the file: a file that parses is ready unless its `retryAt` lies ahead; one that does not
	 * parse may still be being written by hand, and is ready (to be rejected) once it has stayed
	 * unchanged for `graceMs`. An entry that is no regular file, or too large or deep to parse, is ready
	 * at once: the claim rejects it without opening it (task-limits.ts).
	 */
	readiness(name: string, graceMs: number, now = Date.now(), monotonic = performance.now()): Readiness {
		const read = readTaskFile(path.join(this.#dir, name), name);
		if (read.kind === 'gone') {
			this.delete(name);
			return {kind: 'gone'};
		}

		if (read.kind === 'bad' || checkDepth(read.text, name)) {
			return {kind: 'ready'};
		}

		let parsed: unknown;
		try {
			parsed = JSON.parse(read.text);
		} catch {
			return this.isSettled(name, read, graceMs, now) ? {kind: 'ready'} : {kind: 'wait', until: now + graceMs};
		}

		const waitMs = this.#retryWait(name, parsed, now, monotonic);
		return waitMs > 0 ? {kind: 'wait', until: now + waitMs} : {kind: 'ready'};
	}

	/**
	 * How long a retry's backoff still holds the task. The wall clock is read once, when the name is first
	 * seen with this `retryAt`; after that the wait runs on the monotonic clock, so a wall clock stepped
	 * back does not hold a due retry for the size of the step. A clock that was stepped back before the
	 * task was first seen shows as a failure in the future: the wait is then at most the backoff itself.
	 */
	#retryWait(name: string, parsed: unknown, now: number, monotonic: number): number {
		const {retryAt, history} = (isObject(parsed) ? parsed : {}) as {retryAt?: unknown; history?: unknown};
		const due = typeof retryAt === 'string' ? Date.parse(retryAt) : Number.NaN;
		if (!(due > now) && !this.#due.has(name)) {
			return 0;
		}

		let held = this.#due.get(name);
		if (!held || held.retryAt !== retryAt) {
			const lastFailure = Array.isArray(history) ? Date.parse(String((history.at(-1) as {finishedAt?: unknown} | undefined)?.finishedAt)) : Number.NaN;
			const wait = lastFailure > now ? Math.min(due - now, due - lastFailure) : due - now;
			held = {retryAt: String(retryAt), dueMonotonic: monotonic + Math.max(0, wait)};
			this.#due.set(name, held);
		}

		return held.dueMonotonic - monotonic;
	}

	/** A file that does not parse is settled once it has stayed unchanged (size and mtime) for `graceMs`. */
	isSettled(name: string, stat: {size: number; mtimeMs: number}, graceMs: number, now = Date.now()): boolean {
		if (!this.#entries.has(name)) {
			return false;
		}

		let waiting = this.#waiting.get(name);
		if (!waiting || waiting.size !== stat.size || waiting.mtimeMs !== stat.mtimeMs) {
			waiting = {size: stat.size, mtimeMs: stat.mtimeMs, since: now};
			this.#waiting.set(name, waiting);
		}

		return now - waiting.since >= graceMs;
	}
}
