import type {LedgerEntry, RunOutcome} from './entry.ts';
import {addRun, emptySum, type RunSum} from './sum.ts';

/** What `spool cost --by` groups the ledger's runs by. */
export const COST_KEYS = ['worker', 'workflow', 'model', 'task'] as const;
export type CostKey = (typeof COST_KEYS)[number];

export type CostGroup = RunSum & {key: string};

export type CostGroups = {groups: CostGroup[]; total: RunSum};

/** Shown for a run whose workflow or model is not known. */
export const NO_VALUE = '-';

/** The outcomes `spool cost` counts as failed: the run did not do its task, now or for good. */
export const FAILED_OUTCOMES: readonly RunOutcome[] = ['failed', 'dead', 'retrying'];

export function isCostKey(value: string): value is CostKey {
	return (COST_KEYS as readonly string[]).includes(value);
}

/** The group a run falls in: its worker, workflow, model, or WORKER/ID for a task. */
export function keyOf(entry: LedgerEntry, by: CostKey): string {
	switch (by) {
		case 'worker': {
			return entry.worker;
		}

		case 'task': {
			return `${entry.worker}/${entry.task}`;
		}

		default: {
			return entry[by] ?? NO_VALUE;
		}
	}
}

export function failedRuns(sum: RunSum): number {
	return FAILED_OUTCOMES.reduce((count, outcome) => count + sum.outcomes[outcome], 0);
}

/**
 * A grouping that takes runs one at a time (a ledger is read line by line, never held whole), and gives
 * the groups dearest first (then by key), with their total.
 */
export function createCostGrouping(by: CostKey) {
	const groups = new Map<string, CostGroup>();
	const total = emptySum();
	return {
		add(entry: LedgerEntry): void {
			const key = keyOf(entry, by);
			let group = groups.get(key);
			if (!group) {
				group = {key, ...emptySum()};
				groups.set(key, group);
			}

			addRun(group, entry);
			addRun(total, entry);
		},
		result(): CostGroups {
			const sorted = [...groups.values()].sort((a, b) => b.costUsd - a.costUsd || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
			return {groups: sorted, total};
		},
	};
}

/** The runs grouped by `by`: the pure decision behind `spool cost`. */
export function groupCosts(entries: Iterable<LedgerEntry>, by: CostKey): CostGroups {
	const grouping = createCostGrouping(by);
	for (const entry of entries) {
		grouping.add(entry);
	}

	return grouping.result();
}
