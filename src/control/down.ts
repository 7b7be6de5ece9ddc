import {setTimeout as sleep} from 'node:timers/promises';
import type {Layout} from '../queue/layout.ts';
import {findOrchestrator, listLoops, type LoopState} from '../queue/loops.ts';
import {concerns, readDownRequest, removeDownRequest, writeDownRequest, type DownRequest} from './down-request.ts';

/** What `spool down` waits for beyond queue.drainTimeout: claude's SIGTERM-to-SIGKILL grace, a poll, a margin. */
export const DOWN_MARGIN_MS = 15_000;

const POLL_MS = 200;

/** Every loop of the home that runs now: each worker's loops and the orchestrator. */
export function listRunningLoops(layout: Layout, workers: readonly string[], leaseMs: number): LoopState[] {
	const loops = [...workers.flatMap(worker => listLoops(layout, worker, leaseMs)), findOrchestrator(layout, leaseMs)];
	return loops.filter((loop): loop is LoopState => loop?.alive === true);
}

/**
 * Writes control/down.json for `loops`. `now` when asked, and also when an earlier request is still
 * under way (a loop that started before it still runs): a second `spool down` hands running tasks back
 * at once. The request is always dated now, so it concerns every loop that runs now.
 */
export async function requestDown(layout: Layout, loops: readonly LoopState[], now: boolean): Promise<{request: DownRequest; escalated: boolean}> {
	const earlier = readDownRequest(layout);
	const underWay = earlier !== undefined && loops.some(loop => loop.startedAt === undefined || concerns(earlier, loop.startedAt));
	const request: DownRequest = {version: 1, requestedAt: new Date().toISOString(), now: now || underWay};
	await writeDownRequest(layout, request);
	return {request, escalated: underWay && !now};
}

/**
 * Resolves once every loop in `loops` is gone (queue/loops.ts: its folder or record removed at close,
 * its process proven gone, or its heartbeat past the lease), calling `onGone` for each as it goes, or
 * at `timeoutMs` with the loops still running. Once all are gone, the request is removed.
 */
export async function waitForLoopsGone(
	layout: Layout,
	request: DownRequest,
	loops: readonly LoopState[],
	options: {workers: readonly string[]; leaseMs: number; timeoutMs: number; onGone: (loop: LoopState, why: string) => void},
): Promise<LoopState[]> {
	const deadline = Date.now() + options.timeoutMs;
	let waiting = [...loops];
	for (;;) {
		const seen = new Map<string, LoopState>();
		for (const loop of [...options.workers.flatMap(worker => listLoops(layout, worker, options.leaseMs)), findOrchestrator(layout, options.leaseMs)]) {
			if (loop) {
				seen.set(`${loop.process} ${loop.owner}`, loop);
			}
		}

		waiting = waiting.filter(loop => {
			const now = seen.get(`${loop.process} ${loop.owner}`);
			if (now?.alive) {
				return true;
			}

			options.onGone(loop, now?.why ?? 'stopped (removed at close)');
			return false;
		});
		if (waiting.length === 0) {
			removeDownRequest(layout, request.requestedAt);
			return [];
		}

		if (Date.now() >= deadline) {
			return waiting.map(loop => seen.get(`${loop.process} ${loop.owner}`) ?? loop);
		}

		await sleep(POLL_MS);
	}
}
