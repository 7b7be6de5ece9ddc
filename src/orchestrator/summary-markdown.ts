import type {WorkflowResult} from './summary.ts';

const EXCERPT = 2000;

/** results/workflows/ID.md: what a person reads first. Every number in it is also in ID.json. */
export function renderSummary(result: WorkflowResult, texts: ReadonlyMap<string, string>): string {
	const lines = [`# Workflow ${result.id}: ${result.status}`, ''];
	if (result.name) {
		lines.push(`**${result.name}**`, '');
	}

	for (const text of [result.description, result.goal ? `Goal: ${result.goal}` : null]) {
		if (text) {
			lines.push(text.trim(), '');
		}
	}

	if (result.status === 'rejected') {
		lines.push(`The workflow was rejected (${result.error?.code}); nothing was queued. Fix these problems in ${result.source.join(', ') || 'the workflow'}:`, '');
		lines.push(...(result.problems ?? []).map(problem => `- ${problem}`), '');
		return `${lines.join('\n')}\n`;
	}

	const {succeeded, failed, skipped} = result.counts;
	const budget = result.maxCostUsd === null ? '' : ` of max_cost_usd $${result.maxCostUsd}`;
	const plan = result.planCostUsd > 0 ? ` (planning $${result.planCostUsd.toFixed(4)})` : '';
	lines.push(`${result.tasks.length} tasks: ${succeeded} succeeded, ${failed} failed, ${skipped} skipped · cost $${result.costUsd.toFixed(4)}${budget}${plan} · ${seconds(result.durationMs)}`, '');
	if (result.error) {
		lines.push(`**Why it ${result.status}:** ${result.error.message}`, '');
	}

	lines.push('| Task | Worker | Status | Duration | Cost | Note |', '| --- | --- | --- | --- | --- | --- |');
	for (const task of result.tasks) {
		const note = task.error ? `${task.error.code}: ${task.error.message}` : task.dependsOn.length > 0 ? `after ${task.dependsOn.join(', ')}` : '';
		const duration = task.durationMs === null ? '' : seconds(task.durationMs);
		lines.push(`| ${task.id} | ${task.worker} | ${task.status} | ${duration} | $${task.costUsd.toFixed(4)} | ${cell(note)} |`);
	}

	for (const task of result.tasks.filter(task => texts.get(task.id))) {
		const text = texts.get(task.id)!.trim();
		lines.push('', `## ${task.id} (${task.status})`, '', text.length > EXCERPT ? `${text.slice(0, EXCERPT)}\n\n… (the whole result: ${task.resultFile})` : text);
	}

	return `${lines.join('\n')}\n`;
}

function seconds(ms: number): string {
	return `${(ms / 1000).toFixed(1)}s`;
}

function cell(text: string): string {
	return text.replaceAll('|', '\\|').replaceAll('\n', ' ').slice(0, 300);
}
