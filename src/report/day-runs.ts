import type {LedgerEntry} from '../ledger/entry.ts';
import {addRun, emptySum, type RunSum} from '../ledger/sum.ts';
import {readLedgerFile} from '../ledger/read-ledger.ts';
import type {Layout} from '../queue/layout.ts';
import type {ReportCost} from './record.ts';

/** A sum of runs, with the part spool reckoned from tokens (runs stopped before claude's result line). */
export type DaySum = {sum: RunSum; fromTokensUsd: number};

/** One task's runs of the day. */
export type TaskRuns = {worker: string; id: string; runs: number; durationMs: number; costUsd: number; workflow: string | null};

/** The worker name of a planner's runs (`spool plan`, goals): they have no task of a worker's. */
export const PLANNER = 'orchestrator';

/** A day's ledger read once: sums for the home, each worker and each workflow, and each task's runs. */
export type DayRuns = {
	total: DaySum;
	workers: Map<string, DaySum>;
	workflows: Map<string, DaySum>;
	/** By `WORKER/ID`; the planner's runs are in the sums only. */
	tasks: Map<string, TaskRuns>;
	badLines: number;
};

export function emptyDaySum(): DaySum {
	return {sum: emptySum(), fromTokensUsd: 0};
}

/** Reads ledger/DATE.jsonl a piece at a time (read-ledger.ts): every run that reached claude that day. */
export function readDayRuns(layout: Layout, date: string): DayRuns {
	const runs: DayRuns = {total: emptyDaySum(), workers: new Map(), workflows: new Map(), tasks: new Map(), badLines: 0};
	const read = readLedgerFile(layout.ledgerFile(date), entry => addDayRun(runs, entry));
	runs.badLines = read.badLines;
	return runs;
}

export function addDayRun(runs: DayRuns, entry: LedgerEntry): void {
	addTo(runs.total, entry);
	addTo(mapped(runs.workers, entry.worker), entry);
	if (entry.workflow !== null) {
		addTo(mapped(runs.workflows, entry.workflow), entry);
	}

	if (entry.worker === PLANNER) {
		return;
	}

	const key = `${entry.worker}/${entry.task}`;
	const task = runs.tasks.get(key) ?? {worker: entry.worker, id: entry.task, runs: 0, durationMs: 0, costUsd: 0, workflow: entry.workflow};
	task.runs++;
	task.durationMs += entry.durationMs;
	task.costUsd += entry.costUsd;
	task.workflow ??= entry.workflow;
	runs.tasks.set(key, task);
}

function addTo(day: DaySum, entry: LedgerEntry): void {
	addRun(day.sum, entry);
	if (entry.costFrom === 'tokens') {
		day.fromTokensUsd += entry.costUsd;
	}
}

function mapped(map: Map<string, DaySum>, key: string): DaySum {
	let day = map.get(key);
	if (!day) {
		day = emptyDaySum();
		map.set(key, day);
	}

	return day;
}

/** A sum as the record holds it: outcomes that occur only. */
export function costOfDay(day: DaySum | undefined): ReportCost {
	const {sum, fromTokensUsd} = day ?? emptyDaySum();
	const outcomes = Object.fromEntries(Object.entries(sum.outcomes).filter(([, count]) => count > 0));
	return {runs: sum.runs, outcomes, costUsd: sum.costUsd, estimatedUsd: sum.estimatedUsd, fromTokensUsd, tokens: {...sum.usage}};
}
