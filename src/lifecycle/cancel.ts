import fs from 'node:fs';
import {z} from 'zod';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {questionsOfRaw} from '../ask/ask-record.ts';
import {buildResult, type TaskResult} from '../queue/result.ts';
import {claimTask, taskAsDropped} from './claim.ts';
import {commitResult} from './commit.ts';
import {findLiveTask} from './locate.ts';
import {parseEntryName, taskFileName} from './names.ts';

/*
 * The cancel transition. `spool cancel` cannot reach into another process (or container), so it asks
 * through the filesystem: control/cancel/WORKER/ID.json. A pending task is canceled by the command
 * itself, which claims it like a loop would (one rename decides against a loop claiming it at the same
 * moment) and writes its `canceled` result; a running one by the loop that holds it, which reads the
 * requests every second, interrupts claude (SIGINT: claude then writes its result line, with what the
 * run cost so far) and writes the result. A loop that claims a task with a request standing cancels it
 * without running it, so a request outlives a crash of the command or of the loop. The loop that
 * finishes a run of the id deletes the request (a run that ended otherwise before the cancel reached it
 * leaves none behind to cancel a later task of the id); so does the command when it sees the task
 * finished. A request whose task is neither pending nor claimed is dropped after REQUEST_TTL_MS.
 */

/** How often a loop lists the requests: a running task is interrupted within this. */
export const CANCEL_CHECK_MS = 1000;

/** A request older than this, whose task is neither pending nor claimed, names one that ended some other way. */
export const REQUEST_TTL_MS = 10 * 60_000;

const requestSchema = z.looseObject({version: z.number().int().min(1).default(1), requestedAt: z.string()});

export type CancelRequest = z.output<typeof requestSchema>;

export async function requestCancel(layout: Layout, worker: string, id: string, now = new Date()): Promise<void> {
	fs.mkdirSync(layout.cancelRequests(worker), {recursive: true});
	await writeJsonAtomic(layout.cancelRequest(worker, id), {version: 1, requestedAt: now.toISOString()} satisfies CancelRequest);
}

/** The ids with a standing request; stale ones are deleted on the way. */
export function readCancelRequests(layout: Layout, worker: string, now = Date.now()): Set<string> {
	const ids = new Set<string>();
	for (const name of readdirOrEmpty(layout.cancelRequests(worker))) {
		const entry = parseEntryName(name);
		if (entry.kind !== 'task') {
			continue;
		}

		const request = requestSchema.safeParse(readJsonFile(layout.cancelRequest(worker, entry.id)));
		// Only a request whose task is gone expires: one waiting for a dead loop's claim to come back stands.
		if (request.success && now - Date.parse(request.data.requestedAt) > REQUEST_TTL_MS && !findLiveTask(layout, worker, entry.id)) {
			clearCancelRequest(layout, worker, entry.id);
		} else {
			ids.add(entry.id);
		}
	}

	return ids;
}

/** Read at each claim: a request written since the last listing still keeps the task from running. */
export function hasCancelRequest(layout: Layout, worker: string, id: string): boolean {
	return fs.existsSync(layout.cancelRequest(worker, id));
}

export function clearCancelRequest(layout: Layout, worker: string, id: string): void {
	fs.rmSync(layout.cancelRequest(worker, id), {force: true});
}

/** The result of a canceled task; `fields` carry what a run that was interrupted had done. */
export function canceledResult(base: Parameters<typeof buildResult>[0], fields: Partial<TaskResult> = {}, how = 'before it ran'): TaskResult {
	return buildResult(base, {...fields, status: 'canceled', error: {code: 'canceled', message: `canceled by spool cancel ${how}`}});
}

/**
 * Cancels a pending task from outside any loop: claims tasks/WORKER/ID.json into `owner`'s folder and
 * commits its canceled result. `gone` when it was not pending (a loop claimed it first: that loop
 * honours the request instead).
 */
export async function cancelPending(layout: Layout, worker: string, id: string, owner: string): Promise<TaskResult | 'gone'> {
	fs.mkdirSync(layout.claims(worker, owner), {recursive: true});
	try {
		const outcome = await claimTask(layout, worker, owner, taskFileName(id));
		if (outcome.kind === 'gone') {
			return 'gone';
		}

		const {claim} = outcome;
		const raw = claim.raw && typeof claim.raw === 'object' ? (claim.raw as Record<string, unknown>) : undefined;
		const history = raw?.history;
		const result = canceledResult(
			{id, worker, owner, runId: claim.runId, attempts: claim.attempt - 1, startedAt: new Date()},
			{...(raw ? {task: taskAsDropped(raw)} : {}), ...(Array.isArray(history) ? {history: history as TaskResult['history']} : {}), ...questionsOfRaw(raw)},
			questionsOfRaw(raw).questions ? 'after its question was answered, before it resumed' : undefined,
		);
		const written = await commitResult(layout, claim, result);
		return written === 'written' ? result : 'gone';
	} finally {
		try {
			fs.rmdirSync(layout.claims(worker, owner)); // Only when empty: a claim left by a failure stays for a sweep.
		} catch {}
	}
}
