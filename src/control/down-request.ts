import fs from 'node:fs';
import {z} from 'zod';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readJsonFile} from '../queue/read-file.ts';

/**
 * control/down.json: `spool down`'s request to every loop of the home (worker loops and the
 * orchestrator, in containers too) and to `spool up`: drain and exit; with `now`, hand running tasks
 * back at once. Only a process that started before `requestedAt` obeys it, so that a container that
 * docker restarts, or a later `spool up`, runs on. A versioned record, parsed on read.
 */
export const downRequestSchema = z.looseObject({
	version: z.literal(1),
	requestedAt: z.iso.datetime(),
	now: z.boolean(),
});

export type DownRequest = z.output<typeof downRequestSchema>;

export function readDownRequest(layout: Layout): DownRequest | undefined {
	const parsed = downRequestSchema.safeParse(readJsonFile(layout.downRequest, 64 * 1024));
	return parsed.success ? parsed.data : undefined;
}

export async function writeDownRequest(layout: Layout, request: DownRequest): Promise<void> {
	fs.mkdirSync(layout.controlRoot, {recursive: true});
	await writeJsonAtomic(layout.downRequest, request);
}

/** Removes the request, unless a later `spool down` has replaced it meanwhile. */
export function removeDownRequest(layout: Layout, requestedAt: string): void {
	if (readDownRequest(layout)?.requestedAt === requestedAt) {
		fs.rmSync(layout.downRequest, {force: true});
	}
}

/** Whether a process that started at `startedAtMs` (ms since the epoch) is concerned by the request. */
export function concerns(request: DownRequest, startedAtMs: number): boolean {
	return Date.parse(request.requestedAt) >= startedAtMs;
}
