import fs from 'node:fs';
import path from 'node:path';
import {parseEntryName} from '../lifecycle/names.ts';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty} from '../queue/read-file.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';

/**
 * A result is written just after its `finishedAt` is set (staged, then hard-linked into results/, which
 * keeps the staged file's mtime), so its mtime lies at or a little after it. Past the day's end by this
 * much, a result cannot have finished that day.
 */
const MTIME_SLACK_MS = 10 * 60_000;

export type DayResults = {results: TaskResult[]; unreadable: number};

/** Files looked at between two turns of the event loop: the orchestrator's lock and heartbeat go on during a long read. */
const FILES_PER_TURN = 1000;

/**
 * The results of `worker` that finished in [from, until). The ids that ran that day (the ledger's) are
 * read at once; every other result file is read only when its mtime lies in the day: a rejected task or
 * one canceled before it ran has no ledger line. A listing and one lstat per file, then only the day's
 * files are parsed (docs/report.md has the figures). It yields to the event loop every FILES_PER_TURN
 * files, so the process that reads keeps its timers (a lock, a heartbeat) while it does.
 */
export async function readDayResults(layout: Layout, worker: string, ranIds: ReadonlySet<string>, span: {from: number; until: number}): Promise<DayResults> {
	const dir = layout.results(worker);
	const found: DayResults = {results: [], unreadable: 0};
	let looked = 0;
	for (const name of readdirOrEmpty(dir)) {
		if (++looked % FILES_PER_TURN === 0) {
			await new Promise(resolve => setImmediate(resolve));
		}

		const entry = parseEntryName(name);
		if (entry.kind !== 'task') {
			continue;
		}

		const file = path.join(dir, name);
		if (!ranIds.has(entry.id)) {
			const stat = fs.lstatSync(file, {throwIfNoEntry: false});
			if (!stat?.isFile() || stat.mtimeMs < span.from || stat.mtimeMs >= span.until + MTIME_SLACK_MS) {
				continue;
			}
		}

		const result = readResultFile(file);
		if (!result) {
			found.unreadable++;
			continue;
		}

		const finishedAt = Date.parse(result.finishedAt);
		if (finishedAt >= span.from && finishedAt < span.until) {
			found.results.push(result);
		}
	}

	return found;
}
