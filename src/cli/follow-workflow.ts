import type {Layout} from '../queue/layout.ts';
import {readResultFile} from '../queue/result.ts';
import {readStateOrUndefined} from '../orchestrator/snapshot.ts';
import type {TaskState} from '../orchestrator/task-state.ts';
import type {WorkflowLayout} from '../orchestrator/store.ts';
import {readWorkflowResult, type WorkflowResult} from '../orchestrator/summary.ts';

const POLL_MS = 250;

/**
 * `spool tail --workflow ID`: one line per task as it is queued and as it finishes (or is skipped),
 * then one line for the workflow. Resolves with 0 when it succeeded, 1 when not, or 0 when `stop` fires.
 */
export async function followWorkflow(layout: Layout, workflowLayout: WorkflowLayout, id: string, stop: AbortSignal): Promise<number> {
	const printed = new Map<string, string>();
	let announced = false;
	while (!stop.aborted) {
		const result = readWorkflowResult(workflowLayout, id);
		const state = readStateOrUndefined(workflowLayout, id);
		for (const task of state?.tasks ?? []) {
			if (task.status !== 'waiting' && printed.get(task.id) !== task.status) {
				printed.set(task.id, task.status);
				console.log(await formatTask(layout, id, task));
			}
		}

		if (result) {
			console.log(formatWorkflow(result));
			return result.status === 'succeeded' ? 0 : 1;
		}

		if (!state && !announced) {
			announced = true;
			console.log(`waiting for workflow ${id} to start (is the orchestrator running? is there a workflows/${id}.* file?)`);
		}

		await new Promise(resolve => setTimeout(resolve, POLL_MS));
	}

	return 0;
}

async function formatTask(layout: Layout, workflow: string, task: TaskState): Promise<string> {
	const time = (task.finishedAt ?? task.queuedAt ?? new Date().toISOString()).slice(11, 19);
	const name = `${workflow}/${task.id}`;
	if (task.status === 'queued') {
		return `${time} ${name} queued for ${task.worker} (tasks/${task.worker}/${task.taskId}.json)`;
	}

	if (task.status !== 'succeeded') {
		return `${time} ${name} ${task.status} ${task.error?.code ?? ''}: ${firstLine(task.error?.message ?? '')}`;
	}

	const result = readResultFile(layout.resultFile(task.worker, task.taskId));
	const seconds = ((task.durationMs ?? 0) / 1000).toFixed(1);
	return `${time} ${name} succeeded ${seconds}s $${task.costUsd.toFixed(4)} ${firstLine(result?.result ?? '')}`;
}

function formatWorkflow(result: WorkflowResult): string {
	const {succeeded, failed, skipped} = result.counts;
	const why = result.error ? ` · ${result.error.code}: ${firstLine(result.error.message)}` : '';
	return `${result.finishedAt.slice(11, 19)} workflow ${result.id} ${result.status}: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped, $${result.costUsd.toFixed(4)}${why} (results/workflows/${result.id}.md)`;
}

function firstLine(text: string): string {
	return text.split('\n')[0]!.slice(0, 100);
}
