import fs from 'node:fs/promises';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import {viewBudget, type BudgetView} from '../budget/views.ts';
import {readQuotaView, type QuotaView} from '../quota/view.ts';
import type {DayTally} from '../ledger/tally.ts';
import type {RunSum} from '../ledger/sum.ts';
import type {Layout} from './layout.ts';
import {listLoops} from './loops.ts';
import {readPause} from './pause.ts';
import {isTaskFileName} from '../lifecycle/names.ts';

/** A worker's runs of the day, by what became of them (ledger/DATE.jsonl). */
export type RunsToday = {
	runs: number;
	succeeded: number;
	failed: number;
	/** Failed with a passing fault and queued again. */
	retried: number;
	dead: number;
	canceled: number;
	/** Handed back uncounted: a rate limit or bad credentials paused the worker. */
	paused: number;
	/** Stopped by a shutdown or a lost lease, and run again. */
	stopped: number;
	costUsd: number;
	/** The part of costUsd subscription runs reported: a list-price estimate, not a bill. */
	estimatedUsd: number;
	/** Commands spool's policy refused in these runs (the ledger lines' `violations`). */
	violations: number;
	/** Tool calls the sandbox refused in these runs (the ledger lines' `blocked`). */
	blocked: number;
};

export type WorkerSnapshot = {
	worker: string;
	/** Worker loops that run (queue/loops.ts): heartbeat younger than the lease, process not proven gone. */
	loops: number;
	pending: number;
	running: number;
	/** Tasks in waiting/WORKER/: their agent asked a person a question and waits for the answer. */
	waiting: number;
	/** Task files in rejected/WORKER/: never run, and kept until `spool clean`. */
	rejected: number;
	today: RunsToday;
	budget: BudgetView;
	/** Its subscription account's windows, pause and reserve (control/quota/). */
	quota: QuotaView;
	/** Why the worker does not claim, when paused/WORKER.json says it may not. */
	paused: string | null;
};

/**
 * The queue state of one worker from its folders' listings and the day's ledger: no result file is
 * read, so it costs the same with 100 results as with 100,000.
 */
export async function snapshotWorker(layout: Layout, config: Config, worker: string, tally: DayTally, now = Date.now()): Promise<WorkerSnapshot> {
	const pause = readPause(layout.home, worker);
	let running = 0;
	for (const owner of (await readdirOrEmpty(layout.processing(worker))).filter(owner => !owner.startsWith('.'))) {
		running += (await listTaskFiles(layout.claims(worker, owner))).length;
	}

	return {
		worker,
		loops: listLoops(layout, worker, config.queue.lease, now).filter(loop => loop.alive).length,
		pending: (await listTaskFiles(layout.tasks(worker))).length,
		running,
		waiting: (await listTaskFiles(layout.waiting(worker))).length,
		rejected: (await listTaskFiles(layout.rejected(worker))).length,
		today: runsToday(tally.workers[worker]),
		budget: viewBudget(config, layout, tally, {kind: 'worker', worker}, now),
		quota: readQuotaView(layout, config, worker, now),
		paused: pause ? `${pause.reason}${pause.until ? ` until ${pause.until}` : ''}: ${pause.message ?? ''}` : null,
	};
}

export function runsToday(tally: RunSum | undefined): RunsToday {
	const count = (outcome: keyof RunSum['outcomes']) => tally?.outcomes[outcome] ?? 0;
	return {
		runs: tally?.runs ?? 0,
		succeeded: count('succeeded'),
		failed: count('failed'),
		retried: count('retrying'),
		dead: count('dead'),
		canceled: count('canceled'),
		paused: count('paused'),
		stopped: count('handed-back') + count('fenced'),
		costUsd: tally?.costUsd ?? 0,
		estimatedUsd: tally?.estimatedUsd ?? 0,
		violations: tally?.violations ?? 0,
		blocked: tally?.blocked ?? 0,
	};
}

/**
 * The folders of tasks/ that name no worker and hold something: what a user dropped there is rejected
 * (by the orchestrator), and the folder is left behind. An empty one, its tasks already rejected, says nothing.
 */
export async function findUnknownFolders(layout: Layout, workers: readonly string[]): Promise<string[]> {
	const folders = await fs.readdir(layout.tasksRoot, {withFileTypes: true}).catch(() => []);
	const unknown = folders.filter(entry => entry.isDirectory() && !entry.name.startsWith('.') && !workers.includes(entry.name)).map(entry => entry.name);
	const held = await Promise.all(unknown.map(async name => (await readdirOrEmpty(path.join(layout.tasksRoot, name))).some(entry => !entry.startsWith('.'))));
	return unknown.filter((_, index) => held[index]).sort();
}

export async function listTaskFiles(dir: string): Promise<string[]> {
	return (await readdirOrEmpty(dir)).filter(name => isTaskFileName(name));
}

async function readdirOrEmpty(dir: string): Promise<string[]> {
	return fs.readdir(dir).catch(() => []);
}
