import fs from 'node:fs';
import path from 'node:path';
import {crashPoint} from '../crash-points.ts';
import {isErrnoCode} from '../errors.ts';
import {tempPathFor, writeFileDurable} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {isObject, readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {readResultFile, type TaskResult} from '../queue/result.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';
import {writeResult} from './commit.ts';
import {moveIntoQueue} from './fence.ts';
import {fencedPath, parseEntryName} from './names.ts';

/*
 * The transitions out of waiting/W/ID.json, where a task waits for a person's answer (park.ts put it
 * there). Each is decided as a claim is: one rename of the waiting file to a fenced name beside it
 * (.out-RANDOM-ID.json), which exactly one of the racers (the answer file's poller in every loop of the
 * worker, `spool answer`, a Telegram reply, the timeout) wins. The winner then finishes the move. A crash
 * in between leaves the fenced file, which sweepWaiting finishes: queued when it holds an answer, else
 * put back to wait.
 */

export type ResumeOutcome = {kind: 'queued'} | {kind: 'not-waiting'} | {kind: 'name-taken'} | {kind: 'refused'};

/**
 * waiting → pending: the task, as `update` makes it (its `ask` answered), goes back to tasks/W/ID.json,
 * linked so it never replaces a task dropped under the same id; then that task waits, answered, and a
 * later sweep queues it once the name is free. `update` returning undefined leaves it waiting (refused).
 */
export async function resumeWaiting(layout: Layout, worker: string, id: string, update: (task: Record<string, unknown>) => Record<string, unknown> | undefined): Promise<ResumeOutcome> {
	const out = fenceWaiting(layout, worker, id);
	if (!out) {
		return {kind: 'not-waiting'};
	}

	const content = readJsonFile(out, TASK_LIMITS.maxBytes);
	if (!isObject(content)) {
		fs.renameSync(out, layout.waitingFile(worker, id)); // Not spool's record: left as it was.
		return {kind: 'not-waiting'};
	}

	const updated = update(content);
	if (!updated) {
		fs.renameSync(out, layout.waitingFile(worker, id));
		return {kind: 'refused'};
	}

	await replaceContent(out, updated);
	crashPoint('after-answer-fence');
	if (await moveIntoQueue(out, layout.taskFile(worker, id))) {
		return {kind: 'queued'};
	}

	fs.renameSync(out, layout.waitingFile(worker, id));
	return {kind: 'name-taken'};
}

/** waiting → finished: no answer came in time; `result` (failed, question_unanswered) is written through the one result writer. */
export async function endWaiting(layout: Layout, worker: string, id: string, result: (task: Record<string, unknown>) => TaskResult): Promise<TaskResult | undefined> {
	const out = fenceWaiting(layout, worker, id);
	if (!out) {
		return undefined;
	}

	const content = readJsonFile(out, TASK_LIMITS.maxBytes);
	if (!isObject(content)) {
		fs.renameSync(out, layout.waitingFile(worker, id));
		return undefined;
	}

	const written = result(content);
	await writeResult(layout, written);
	fs.rmSync(out, {force: true});
	return written;
}

/**
 * Finishes the moves out of waiting/W/ that a crash cut short: a fenced file older than `staleMs` goes
 * to tasks/ when its `ask` holds an answer (it was being queued), else back to waiting. Returns the ids queued.
 */
export async function sweepWaiting(layout: Layout, worker: string, staleMs: number, now = Date.now()): Promise<string[]> {
	const queued: string[] = [];
	const dir = layout.waiting(worker);
	for (const name of readdirOrEmpty(dir)) {
		const entry = parseEntryName(name);
		const file = path.join(dir, name);
		const stat = fs.lstatSync(file, {throwIfNoEntry: false});
		if (entry.kind !== 'fenced' || !stat?.isFile() || now - stat.mtimeMs < staleMs) {
			continue;
		}

		const {id} = entry.claim;
		const content = readJsonFile(file, TASK_LIMITS.maxBytes);
		const ask = isObject(content) && isObject(content.ask) ? content.ask : undefined;
		// Linked on already (the crash came between the link and the unlink), or ended by a result: only the fenced name is left over.
		const ended = typeof ask?.runId === 'string' && readResultFile(layout.resultFile(worker, id))?.runId.startsWith(`${ask.runId}-`) === true;
		if (stat.nlink > 1 || ended) {
			fs.rmSync(file, {force: true});
			continue;
		}

		const answered = typeof ask?.answer === 'string';
		if (answered && (await moveIntoQueue(file, layout.taskFile(worker, id)))) {
			queued.push(id);
		} else if (!fs.lstatSync(layout.waitingFile(worker, id), {throwIfNoEntry: false})) {
			fs.renameSync(file, layout.waitingFile(worker, id));
		}
	}

	return queued;
}

/** The rename that decides who ends a wait; undefined when the task no longer waits (someone else won). */
function fenceWaiting(layout: Layout, worker: string, id: string): string | undefined {
	const out = fencedPath(layout.waiting(worker), `${id}.json`);
	try {
		fs.renameSync(layout.waitingFile(worker, id), out);
		// A rename keeps the mtime, which says how long the task waited: touched, the fenced file is fresh to every sweep.
		const now = new Date();
		fs.utimesSync(out, now, now);
		return out;
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT')) {
			return undefined;
		}

		throw error;
	}
}

/** New content under the fenced name: written and fsynced beside it, then renamed over it. */
async function replaceContent(file: string, content: Record<string, unknown>): Promise<void> {
	const staged = tempPathFor(file);
	try {
		await writeFileDurable(staged, `${JSON.stringify(content, null, 2)}\n`);
		fs.renameSync(staged, file);
	} catch (error) {
		fs.rmSync(staged, {force: true});
		throw error;
	}
}
