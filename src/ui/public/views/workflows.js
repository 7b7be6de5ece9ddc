// Workflows: every workflow of the home, running first, with its state and how far it got.
import {getJson} from '../api.js';
import {ago, ErrorNote, formatUsd, StateBadge} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';

export function workflowHref(id) {
	return `#/workflow/${encodeURIComponent(id)}`;
}

export function WorkflowsView() {
	const list = useLive(() => getJson('/api/workflows'), [], change => change.all || change.workflows || change.tasks === null || change.tasks.some(key => key.includes('--')));
	const workflows = list.data?.workflows;
	return html`<section class="workflows">
		<h1>Workflows</h1>
		<${ErrorNote} error=${list.error} />
		${workflows && (workflows.length === 0
			? html`<p class="quiet">No workflow yet. Drop one into <code>workflows/</code>, or run <code>spool plan "GOAL"</code> (docs/workflows.md).</p>`
			: html`<ul class="task-list">${workflows.map(workflow => html`<${WorkflowRow} key=${workflow.id} workflow=${workflow} />`)}</ul>`)}
	</section>`;
}

/** "3 of 5 succeeded · 1 running · 1 failed": how far it got. */
export function progressOf(workflow) {
	const parts = [`${workflow.succeeded} of ${workflow.tasks} succeeded`];
	if (workflow.running) parts.push(`${workflow.running} running`);
	if (workflow.pending) parts.push(`${workflow.pending} pending`);
	if (workflow.failed) parts.push(`${workflow.failed} failed`);
	if (workflow.skipped) parts.push(`${workflow.skipped} skipped`);
	return parts.join(' · ');
}

function WorkflowRow({workflow}) {
	return html`<li class="task-row" data-workflow=${workflow.id}>
		<a href=${workflowHref(workflow.id)}>
			<span class="cell state"><${StateBadge} state=${workflow.status} /></span>
			<span class="cell name">${workflow.id}</span>
			<span class="cell prompt">${workflow.name && workflow.name !== workflow.id ? `${workflow.name} · ` : ''}${workflow.error ?? progressOf(workflow)}</span>
			<span class="cell meta">${formatUsd(workflow.costUsd)}${workflow.maxCostUsd ? ` of $${workflow.maxCostUsd}` : ''} · ${ago(workflow.finishedAt ?? workflow.startedAt)}</span>
		</a>
	</li>`;
}
