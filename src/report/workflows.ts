import fs from 'node:fs';
import path from 'node:path';
import {readStateOrUndefined} from '../orchestrator/snapshot.ts';
import {listResultIds, readWorkflowResult, type WorkflowResult} from '../orchestrator/summary.ts';
import type {WorkflowLayout} from '../orchestrator/store.ts';
import {entryKindAt} from '../queue/read-file.ts';
import {costOfDay, type DayRuns} from './day-runs.ts';
import {countTasks, type DayTask} from './day-tasks.ts';
import type {Report} from './record.ts';

/** A workflow's result whose file was written in the day (its mtime), and says it finished in it. */
export function readDayWorkflowResults(layout: WorkflowLayout, span: {from: number; until: number}): WorkflowResult[] {
	const found: WorkflowResult[] = [];
	for (const id of listResultIds(layout)) {
		const stat = fs.lstatSync(layout.resultFile(id), {throwIfNoEntry: false});
		if (!stat?.isFile() || stat.mtimeMs < span.from) {
			continue;
		}

		const result = readWorkflowResult(layout, id);
		const finishedAt = result ? Date.parse(result.finishedAt) : Number.NaN;
		if (result && finishedAt >= span.from && finishedAt < span.until) {
			found.push(result);
		}
	}

	return found;
}

/** Every workflow with a task or a run that day, or that finished that day: its tasks by state, its runs' cost, its status now. */
export function describeWorkflows(layout: WorkflowLayout, tasks: readonly DayTask[], runs: DayRuns, finished: readonly WorkflowResult[]): Report['workflows'] {
	const ids = new Set([...runs.workflows.keys(), ...tasks.flatMap(task => (task.workflow ? [task.workflow] : [])), ...finished.map(result => result.id)]);
	return [...ids].sort().map(id => {
		const result = finished.find(item => item.id === id) ?? readWorkflowResult(layout, id);
		const state = result ? undefined : readStateOrUndefined(layout, id);
		const summary = layout.summaryFile(id);
		return {
			id,
			status: result?.status ?? (state ? 'running' : 'unknown'),
			tasks: countTasks(tasks.filter(task => task.workflow === id)),
			cost: costOfDay(runs.workflows.get(id)),
			maxCostUsd: result?.maxCostUsd ?? state?.workflow.max_cost_usd ?? null,
			summaryFile: entryKindAt(summary) === 'file' ? path.relative(layout.home, summary) : null,
		};
	});
}

/**
 * What the day produced and where it lies: each succeeded task's `deliverables` (relative to the cwd it
 * ran in), each finished workflow's summary and its own deliverables. Paths in the home are shown
 * relative to it.
 */
export function listDeliverables(layout: WorkflowLayout, tasks: readonly DayTask[], finished: readonly WorkflowResult[]): Report['deliverables'] {
	const home = layout.home;
	const shown = (file: string) => (file.startsWith(`${home}${path.sep}`) ? path.relative(home, file) : file);
	const item = (of: string, kind: Report['deliverables'][number]['kind'], file: string) => ({of, kind, path: shown(file), exists: entryKindAt(file) !== undefined});
	const found: Report['deliverables'] = [];
	for (const task of tasks) {
		const paths = task.result?.status === 'succeeded' ? task.result.task?.deliverables : undefined;
		if (Array.isArray(paths)) {
			const cwd = task.result!.cwd ?? home;
			found.push(...paths.filter(entry => typeof entry === 'string').map(entry => item(`${task.worker}/${task.id}`, 'task', path.resolve(cwd, entry as string))));
		}
	}

	for (const result of finished.filter(result => result.status !== 'rejected')) {
		found.push(item(result.id, 'summary', layout.summaryFile(result.id)));
		const state = readStateOrUndefined(layout, result.id);
		const cwd = path.resolve(home, state?.workflow.cwd ?? '.');
		found.push(...(state?.workflow.deliverables ?? []).map(entry => item(result.id, 'workflow', path.resolve(cwd, entry))));
	}

	return found;
}
