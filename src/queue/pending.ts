import fs from 'node:fs';
import path from 'node:path';
import {isTaskFileName} from '../lifecycle/names.ts';
import {checkDepth, readTaskFile} from './task-limits.ts';
import {dueTimes, isAbsent, peekTask, priorityOf, type Peek} from './task-peek.ts';

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

/** A pending name: the scan that last saw it, its priority, and the bucket of that priority it lies in. */
type Entry = {generation: number; priority: number; bucket: Map<string, Entry>};

/**
 * The pending task files of one folder, in claim order: highest `priority` first, and within one
 * priority in the order they were dropped (each scan's new names sorted by mtime, events in the order
 * they came). File events only add hints; `scan()` re-reads the folder and is the truth.
 *
 * The cost of a claim must not grow with the backlog, so a scan streams the folder instead of holding
 * all of it at once, reads only the files it had not seen, and scans of a huge folder are spaced out.
 * A name's priority is read once, when it is first seen; a task edited later is placed again when its
 * claim reads it.
 */
export class PendingIndex {
	readonly #dir: string;
	readonly #scanSpacingPerEntry: number;
	readonly #entries = new Map<string, Entry>();
	/** One insertion-ordered map per priority, and the priorities in use, highest first. */
	readonly #buckets = new Map<number, Map<string, Entry>>();
	#priorities: number[] = [];
	/** The files that did not parse yet: size and mtime when first seen so, for the grace period. */
	readonly #waiting = new Map<string, Waiting>();
	/** The tasks held by a retry backoff or a `notBefore`: when each is due, on the monotonic clock. */
	readonly #due = new Map<string, {key: string; dueMonotonic: number}>();
	#generation = 0;
	#scanning: Promise<void> | undefined;
	#scanAgain: Promise<void> | undefined;
	#nextScanAt = 0;
	/** The priority names() walks now, and whether a name was placed above it since. */
	#iterating = Number.NEGATIVE_INFINITY;
	#outranked = false;

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
		const found: Peek[] = [];
		let read = 0;
		for await (const entry of await fs.promises.opendir(this.#dir, {bufferSize: SCAN_BATCH})) {
			read++;
			if (!isTaskFileName(entry.name)) {
				continue;
			}

			const known = this.#entries.get(entry.name);
			if (known) {
				known.generation = generation;
			} else {
				const peek = peekTask(this.#dir, entry.name);
				if (peek) {
					found.push(peek);
				}
			}
		}

		// Names an event added while the folder was read carry this generation too, so they stay.
		for (const [name, entry] of this.#entries) {
			if (entry.generation < generation) {
				this.delete(name);
			}
		}

		found.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
		for (const peek of found) {
			this.#place(peek.name, peek.priority, generation);
		}

		this.#nextScanAt = performance.now() + read * this.#scanSpacingPerEntry;
	}

	/** A hint that NAME appeared or changed: a new name is read and placed; a known one is read again when next due. */
	add(name: string): void {
		if (!isTaskFileName(name)) {
			return;
		}

		if (this.#entries.has(name)) {
			this.#due.delete(name);
			return;
		}

		// Most names an event brings are gone already (the claim moved them and its events come after):
		// an lstat finds that without the Error, and its stack, that the peek's failed open would build.
		if (isAbsent(this.#dir, name)) {
			return;
		}

		const peek = peekTask(this.#dir, name);
		if (peek) {
			this.#place(name, peek.priority, this.#generation);
		}
	}

	delete(name: string): void {
		const entry = this.#entries.get(name);
		if (entry) {
			entry.bucket.delete(name);
			if (entry.bucket.size === 0) {
				this.#buckets.delete(entry.priority);
				this.#priorities = this.#priorities.filter(priority => priority !== entry.priority);
			}
		}

		this.#entries.delete(name);
		this.#waiting.delete(name);
		this.#due.delete(name);
	}

	/**
	 * The names in claim order. The iterator is live: names added or deleted while it runs are seen or
	 * skipped, and one added above the priority it walks is the next it yields (the walk starts over).
	 */
	*names(): IterableIterator<string> {
		let below = Number.POSITIVE_INFINITY;
		this.#outranked = false;
		for (;;) {
			const priority = this.#priorities.find(candidate => candidate < below);
			if (priority === undefined) {
				return;
			}

			below = priority;
			this.#iterating = priority;
			for (const name of this.#buckets.get(priority)?.keys() ?? []) {
				yield name;
				if (this.#outranked) {
					// A name came in above the priority being walked: the walk starts again from the top, so it is next.
					this.#outranked = false;
					below = Number.POSITIVE_INFINITY;
					break;
				}
			}
		}
	}

	/**
	 * Reads the file: a file that parses is ready unless its `retryAt` or `notBefore` lies ahead; one that
	 * does not parse may still be being written by hand, and is ready (to be rejected) once it has stayed
	 * unchanged for `graceMs`. An entry that is no regular file, or too large or deep to parse, is ready
	 * at once: the claim rejects it without opening it (task-limits.ts). A task held until a known time is
	 * not read again before then, so a big delayed backlog costs no reads per claim.
	 */
	readiness(name: string, graceMs: number, now = Date.now(), monotonic = performance.now()): Readiness {
		const held = this.#due.get(name);
		if (held && held.dueMonotonic > monotonic) {
			return {kind: 'wait', until: now + (held.dueMonotonic - monotonic)};
		}

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

		const priority = priorityOf(parsed);
		const entry = this.#entries.get(name);
		if (entry && entry.priority !== priority) {
			// Edited since it was first seen: placed again, and looked at again in its new place.
			this.#place(name, priority, entry.generation);
			return {kind: 'wait', until: now};
		}

		const waitMs = this.#dueWait(name, parsed, now, monotonic);
		return waitMs > 0 ? {kind: 'wait', until: now + waitMs} : {kind: 'ready'};
	}

	/** Puts NAME at the end of its priority's bucket (taking it out of any other first). */
	#place(name: string, priority: number, generation: number): void {
		if (this.#entries.has(name)) {
			const due = this.#due.get(name);
			this.delete(name);
			if (due) {
				this.#due.set(name, due);
			}
		}

		let bucket = this.#buckets.get(priority);
		if (!bucket) {
			bucket = new Map();
			this.#buckets.set(priority, bucket);
			this.#priorities = [...this.#priorities, priority].sort((a, b) => b - a);
		}

		this.#outranked ||= priority > this.#iterating;
		const entry: Entry = {generation, priority, bucket};
		bucket.set(name, entry);
		this.#entries.set(name, entry);
	}

	/**
	 * How long a retry's backoff or a `notBefore` still holds the task. The wall clock is read once, when
	 * the name is first seen with these times (task-peek.ts says for how long); after that the wait runs
	 * on the monotonic clock, so a wall clock stepped back does not hold a due task for the size of the step.
	 */
	#dueWait(name: string, parsed: unknown, now: number, monotonic: number): number {
		const due = dueTimes(parsed);
		if (due.waitMs(now) === 0 && !this.#due.has(name)) {
			return 0;
		}

		let held = this.#due.get(name);
		if (!held || held.key !== due.key) {
			held = {key: due.key, dueMonotonic: monotonic + due.waitMs(now)};
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

