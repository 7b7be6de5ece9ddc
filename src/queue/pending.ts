import fs from 'node:fs/promises';
import path from 'node:path';
import {isTaskFileName} from './task-file.ts';

/** Whether a pending file can be claimed now: it parses (or stayed unparsable past the grace), and no retry backoff holds it. */
export type Readiness = {kind: 'ready'} | {kind: 'wait'; until?: number} | {kind: 'gone'};

type Entry = {waitingSince?: number; size?: number; mtimeMs?: number};

/**
 * The pending task files of one folder, in the order they were found (a scan's batch sorted by name).
 * File events only add hints; `scan()` re-reads the folder and is the truth.
 */
export class PendingIndex {
	readonly #dir: string;
	readonly #entries = new Map<string, Entry>();

	constructor(dir: string) {
		this.#dir = dir;
	}

	get size(): number {
		return this.#entries.size;
	}

	/** Re-reads the folder: adds new task files, forgets the ones that are gone. */
	async scan(): Promise<void> {
		const names = (await fs.readdir(this.#dir)).filter(name => isTaskFileName(name));
		const present = new Set(names);
		for (const name of this.#entries.keys()) {
			if (!present.has(name)) {
				this.#entries.delete(name);
			}
		}

		for (const name of names.sort()) {
			this.add(name);
		}
	}

	add(name: string): void {
		if (isTaskFileName(name) && !this.#entries.has(name)) {
			this.#entries.set(name, {});
		}
	}

	delete(name: string): void {
		this.#entries.delete(name);
	}

	names(): IterableIterator<string> {
		return this.#entries.keys();
	}

	/**
	 * Reads the file: a file that parses is ready unless its `retryAt` lies ahead; one that does not
	 * parse may still be being written by hand, and is ready (to be rejected) once it has stayed
	 * unchanged for `graceMs`.
	 */
	async readiness(name: string, graceMs: number, now = Date.now()): Promise<Readiness> {
		const file = path.join(this.#dir, name);
		let text: string;
		let stat: {size: number; mtimeMs: number};
		try {
			[text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
		} catch {
			this.#entries.delete(name);
			return {kind: 'gone'};
		}

		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			return this.#isSettled(name, stat, graceMs, now) ? {kind: 'ready'} : {kind: 'wait', until: now + graceMs};
		}

		const retryAt = Date.parse((parsed as {retryAt?: string} | null)?.retryAt ?? '');
		return retryAt > now ? {kind: 'wait', until: retryAt} : {kind: 'ready'};
	}

	#isSettled(name: string, stat: {size: number; mtimeMs: number}, graceMs: number, now = Date.now()): boolean {
		const entry = this.#entries.get(name);
		if (!entry) {
			return false;
		}

		if (entry.size !== stat.size || entry.mtimeMs !== stat.mtimeMs || entry.waitingSince === undefined) {
			Object.assign(entry, {size: stat.size, mtimeMs: stat.mtimeMs, waitingSince: now});
		}

		return now - entry.waitingSince! >= graceMs;
	}
}
