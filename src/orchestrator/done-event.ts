import path from 'node:path';
import {emitOnce} from '../events/events.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import type {WorkflowResult} from './summary.ts';
import type {WorkflowLayout} from './store.ts';

/** What telling a finished workflow needs: the day's zone (events/DATE.jsonl) and where to log a failure to tell. */
export type DoneTeller = {timezone: string; logger: Logger};

/**
 * A workflow is done (succeeded, failed, or rejected before it ran): its status, its counts and cost,
 * why it failed, its summary file, and what to do next. Told once per finish, however often the result
 * is written again (a restart that finds it unwritten): the key holds the run and its end time.
 */
export function tellWorkflowDone(layout: Layout, workflowLayout: WorkflowLayout, teller: DoneTeller, result: WorkflowResult): void {
	const summary = path.relative(layout.home, workflowLayout.summaryFile(result.id));
	const {succeeded, failed, skipped} = result.counts;
	const why = result.error ? `: ${cut(result.error.message)}` : '';
	const message =
		result.status === 'rejected'
			? `workflow ${result.id} was rejected, nothing ran${why}`
			: `workflow ${result.id} ${result.status}: ${succeeded} of ${result.tasks.length} tasks succeeded, ${failed} failed, ${skipped} skipped, $${result.costUsd.toFixed(4)}${why}`;
	const next =
		result.status === 'succeeded'
			? `read ${summary}`
			: result.status === 'failed'
				? `read ${summary}; spool retry --workflow ${result.id} runs its failed and skipped tasks again`
				: `fix ${result.source.join(', ') || 'the workflow'}: a changed file is checked again`;
	try {
		emitOnce(layout, teller.timezone, `workflow_done-${result.id}-${result.runId ?? 'none'}-${Date.parse(result.finishedAt)}`, {
			type: 'workflow_done',
			time: result.finishedAt,
			message,
			workflow: result.id,
			status: result.status,
			summary,
			counts: result.counts,
			costUsd: result.costUsd,
			next,
		});
	} catch (error) {
		teller.logger.error({err: error, workflow: result.id}, `cannot record the workflow_done event (${message})`);
	}
}

function cut(text: string, max = 300): string {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}
