// One workflow: its tasks as a graph, coloured by state and redrawn as they move, then its summary.
import {useEffect, useRef, useState} from 'preact/hooks';
import {getJson, touchesTask} from '../api.js';
import {ago, ErrorNote, formatUsd, formatSpan, StateBadge, taskHref} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';
import {Markdown} from '../markdown.js';
import {WorkflowGraph} from './graph.js';

const LEGEND = ['upcoming', 'pending', 'running', 'waiting', 'succeeded', 'failed', 'skipped'];

/** Left to right where there is room, top to bottom on a phone. */
function useDirection() {
	const query = '(max-width: 700px)';
	const [narrow, setNarrow] = useState(() => matchMedia(query).matches);
	useEffect(() => {
		const list = matchMedia(query);
		const update = () => setNarrow(list.matches);
		list.addEventListener('change', update);
		return () => list.removeEventListener('change', update);
	}, []);
	return narrow ? 'TB' : 'LR';
}

export function WorkflowView({id}) {
	const keys = useRef([]);
	const detail = useLive(() => getJson(`/api/workflows/${encodeURIComponent(id)}`), [id], change => change.all || change.workflows || keys.current.some(key => touchesTask(change, key)));
	const workflow = detail.data?.id === id ? detail.data : undefined;
	keys.current = workflow ? workflow.nodes.map(node => `${node.worker}/${node.taskId}`) : [];
	const direction = useDirection();
	return html`<section class="workflow-page">
		<p class="crumbs"><a href="#/workflows">Workflows</a></p>
		<h1 class="task-title">${id} ${workflow && html`<${StateBadge} state=${workflow.status} />`}</h1>
		<${ErrorNote} error=${detail.error} />
		${workflow && html`
			${workflow.name && workflow.name !== id && html`<p class="lead">${workflow.name}</p>`}
			${workflow.description && html`<p class="quiet">${workflow.description}</p>`}
			<dl class="facts">
				<div><dt>tasks</dt><dd>${workflow.counts.succeeded} of ${workflow.counts.tasks} succeeded</dd></div>
				<div><dt>cost</dt><dd>${formatUsd(workflow.costUsd)}${workflow.maxCostUsd ? ` of $${workflow.maxCostUsd}` : ''}</dd></div>
				${workflow.startedAt && html`<div><dt>started</dt><dd>${ago(workflow.startedAt)}</dd></div>`}
				${workflow.finishedAt && html`<div><dt>took</dt><dd>${formatSpan(Date.parse(workflow.finishedAt) - Date.parse(workflow.startedAt))}</dd></div>`}
			</dl>
			${workflow.goal && html`<p class="quiet">Goal: ${workflow.goal}</p>`}
			${workflow.error && html`<p class="error-note"><code>${workflow.error.code}</code> ${workflow.error.message}</p>`}
			${workflow.problems.length > 0 && html`<ul class="error-note">${workflow.problems.map(problem => html`<li>${problem}</li>`)}</ul>`}
			${workflow.nodes.length > 0 && html`<div class="graph-box card">
				<${WorkflowGraph} nodes=${workflow.nodes} direction=${direction} />
			</div>
			<p class="legend">${LEGEND.map(state => html`<span class="legend-item"><span class=${`swatch state-${state}`}></span>${state}</span>`)}</p>`}
			<h2>Tasks <a class="small" href=${`#/tasks?workflow=${encodeURIComponent(id)}`}>in the Tasks view</a></h2>
			<ul class="task-list">${workflow.nodes.map(node => html`<li class="task-row" key=${node.id}>
				<a href=${taskHref(node.worker, node.taskId)}>
					<span class="cell state"><${StateBadge} state=${node.state} /></span>
					<span class="cell name"><span class="quiet">${node.worker}/</span>${node.id}</span>
					<span class="cell prompt">${node.error ? node.error.message : node.dependsOn.length > 0 ? `after ${node.dependsOn.join(', ')}` : ''}</span>
					<span class="cell meta">${node.attempts ? `${node.attempts}× ` : ''}${formatUsd(node.costUsd)}${node.durationMs ? ` · ${formatSpan(node.durationMs)}` : ''}</span>
				</a>
			</li>`)}</ul>
			${workflow.summary && html`<h2>Summary</h2><div class="card"><${Markdown} text=${workflow.summary} testid="workflow-summary" /></div>`}
		`}
	</section>`;
}
