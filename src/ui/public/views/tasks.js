// Tasks: every task of the home, newest first, filtered by worker, state, workflow and words, a page at a time.
import {useEffect, useState} from 'preact/hooks';
import {getJson} from '../api.js';
import {ago, ErrorNote, formatUsd, StateBadge, taskHref} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';

const STATES = ['pending', 'delayed', 'running', 'waiting', 'succeeded', 'failed', 'dead', 'rejected', 'canceled'];

function setParams(params, changes) {
	const next = new URLSearchParams(params);
	for (const [name, value] of Object.entries(changes)) {
		if (value) next.set(name, value);
		else next.delete(name);
	}

	if (!('page' in changes)) next.delete('page');
	location.hash = `#/tasks${next.size > 0 ? `?${next}` : ''}`;
}

export function TasksView({params}) {
	const query = params.toString();
	const list = useLive(() => getJson(`/api/tasks?${query}`), [query], change => change.all || change.tasks === null || change.tasks.length > 0);
	const [words, setWords] = useState(params.get('q') ?? '');
	useEffect(() => setWords(params.get('q') ?? ''), [params.get('q')]);
	// Typing searches once the person pauses, not on every key.
	useEffect(() => {
		if (words === (params.get('q') ?? '')) return undefined;
		const timer = setTimeout(() => setParams(params, {q: words.trim()}), 300);
		return () => clearTimeout(timer);
	}, [words]);
	const data = list.data;
	const page = Number(params.get('page') ?? 1);
	return html`<section class="tasks">
		<h1>Tasks</h1>
		<form class="filters" onSubmit=${event => event.preventDefault()}>
			<select name="worker" aria-label="worker" value=${params.get('worker') ?? ''} onChange=${event => setParams(params, {worker: event.currentTarget.value})}>
				<option value="">every worker</option>
				${(data?.workers ?? []).map(worker => html`<option value=${worker}>${worker}</option>`)}
			</select>
			<select name="state" aria-label="state" value=${params.get('state') ?? ''} onChange=${event => setParams(params, {state: event.currentTarget.value})}>
				<option value="">every state</option>
				${STATES.map(state => html`<option value=${state}>${state}</option>`)}
			</select>
			<input name="workflow" aria-label="workflow" placeholder="workflow" value=${params.get('workflow') ?? ''} onChange=${event => setParams(params, {workflow: event.currentTarget.value.trim()})} />
			<input name="q" type="search" aria-label="search" placeholder="Search id, prompt, error" value=${words} onInput=${event => setWords(event.currentTarget.value)} />
		</form>
		<${ErrorNote} error=${list.error} />
		${data && html`
			<p class="quiet" data-testid="total">${data.total} task${data.total === 1 ? '' : 's'}${data.pages > 1 ? ` · page ${data.page} of ${data.pages}` : ''}</p>
			${data.tasks.length === 0 ? html`<p class="quiet">No task matches.</p>` : html`<ul class="task-list">${data.tasks.map(task => html`<${TaskRow} key=${`${task.worker}/${task.id}`} task=${task} />`)}</ul>`}
			${data.pages > 1 && html`<nav class="pager">
				<button class="secondary" disabled=${page <= 1} onClick=${() => setParams(params, {page: String(page - 1)})}>← Newer</button>
				<span>${data.page} / ${data.pages}</span>
				<button class="secondary" disabled=${page >= data.pages} onClick=${() => setParams(params, {page: String(page + 1)})}>Older →</button>
			</nav>`}
		`}
	</section>`;
}

function TaskRow({task}) {
	return html`<li class="task-row" data-task=${`${task.worker}/${task.id}`}>
		<a href=${taskHref(task.worker, task.id)}>
			<span class="cell state"><${StateBadge} state=${task.state} /></span>
			<span class="cell name"><span class="quiet">${task.worker}/</span>${task.id}</span>
			<span class="cell prompt">${task.prompt}${task.error && html` <code class="error-code">${task.error}</code>`}</span>
			<span class="cell meta">${task.attempts ? `${task.attempts}×` : ''} ${formatUsd(task.costUsd)} · ${ago(task.finishedAt ?? task.mtimeMs)}</span>
		</a>
	</li>`;
}
