import type {DayTask} from './day-tasks.ts';
import type {Report} from './record.ts';

/**
 * The commands spool's policy refused in the day's finished tasks, read from their results (the
 * ledger only counts them), by worker, then by when each was refused.
 */
export function listViolations(tasks: readonly DayTask[]): NonNullable<Report['policyViolations']> {
	return tasks
		.flatMap(task => (task.result?.policyViolations ?? []).map(violation => ({worker: task.worker, id: task.id, ...violation, workflow: task.workflow})))
		.sort((a, b) => a.worker.localeCompare(b.worker) || a.time.localeCompare(b.time));
}

/** What the sandbox refused in the day's finished tasks (their results' sandboxBlocks), by worker then time. */
export function listSandboxBlocks(tasks: readonly DayTask[]): NonNullable<Report['sandboxBlocks']> {
	return tasks
		.flatMap(task => (task.result?.sandboxBlocks ?? []).map(block => ({worker: task.worker, id: task.id, ...block, workflow: task.workflow})))
		.sort((a, b) => a.worker.localeCompare(b.worker) || a.time.localeCompare(b.time));
}

/** The refusals counted per worker, in the list's order: [["coder", 2], ["reviewer", 1]]. */
export function countByWorker(violations: readonly {worker: string}[]): Array<[string, number]> {
	const counts = new Map<string, number>();
	for (const {worker} of violations) {
		counts.set(worker, (counts.get(worker) ?? 0) + 1);
	}

	return [...counts.entries()];
}
