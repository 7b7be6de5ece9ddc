// One task: what it was asked, what became of it, every attempt and its error, the questions asked, the
// cost, the buttons that apply now, and the transcript, live while it runs.
import {getJson, touchesTask} from '../api.js';
import {ago, ErrorNote, formatUsd, StateBadge} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';
import {AnswerForm, ApprovalForm, useAction} from './inbox.js';
import {Patch} from './patch.js';
import {Transcript} from './transcript.js';

export function TaskView({worker, id}) {
	const key = `${worker}/${id}`;
	const detail = useLive(() => getJson(`/api/tasks/${encodeURIComponent(worker)}/${encodeURIComponent(id)}`), [key], change => touchesTask(change, key));
	const task = detail.data?.worker === worker && detail.data?.id === id ? detail.data : undefined;
	return html`<section class="task-page">
		<p class="crumbs"><a href="#/tasks">Tasks</a> / <a href=${`#/tasks?worker=${encodeURIComponent(worker)}`}>${worker}</a></p>
		<h1 class="task-title">${id} ${task && html`<${StateBadge} state=${task.state} />`}</h1>
		<${ErrorNote} error=${detail.error} />
		${task && html`<${TaskBody} task=${task} />`}
	</section>`;
}

function TaskBody({task}) {
	const {result} = task;
	return html`
		<dl class="facts">
			<div><dt>cost</dt><dd data-testid="cost">${formatUsd(task.costUsd)}</dd></div>
			<div><dt>attempts</dt><dd>${task.attempts ?? '–'}</dd></div>
			${task.workflow && html`<div><dt>workflow</dt><dd><a href=${`#/tasks?workflow=${encodeURIComponent(task.workflow)}`}>${task.workflow}</a></dd></div>`}
			${task.run && html`<div><dt>running</dt><dd>${task.run.startedAt ? `for ${ago(task.run.startedAt).replace(' ago', '')}` : 'claimed'}${task.run.tool ? html` · <code>${task.run.tool}</code>` : ''}</dd></div>`}
			${task.until && html`<div><dt>not before</dt><dd>${new Date(task.until).toLocaleString()}</dd></div>`}
			${result && html`<div><dt>finished</dt><dd>${ago(result.finishedAt)} · ${Math.round(result.durationMs / 100) / 10} s</dd></div>`}
			${result?.model && html`<div><dt>model</dt><dd>${result.model}</dd></div>`}
			<div><dt>file</dt><dd><code>${task.file}</code></dd></div>
		</dl>
		<${Actions} task=${task} />
		${task.ask && html`<section class="card ask"><h2>${task.actions.approve ? 'Waits for your approval' : 'Asks you'}</h2>
			${task.actions.approve ? html`<${ApprovalForm} item=${{...task.ask, worker: task.worker, id: task.id}} />` : html`<${AnswerForm} item=${{...task.ask, worker: task.worker, id: task.id}} />`}
		</section>`}
		<h2>Prompt</h2>
		<div class="pre block" data-testid="prompt">${task.prompt ?? '(no prompt readable)'}</div>
		${result?.error && html`<h2>Error</h2><p class="error-note"><code>${result.error.code}</code> ${result.error.message}</p>`}
		${result && typeof result.result === 'string' && result.result && html`<h2>Result</h2><div class="pre block" data-testid="result">${result.result}</div>`}
		${task.patch && html`<h2>Change <span class="quiet small">${task.result?.repo?.name ? `${task.result.repo.name} · ${task.result.repo.branch} · ` : ''}results/${task.worker}/${task.id}.patch</span></h2><${Patch} worker=${task.worker} id=${task.id} patch=${task.patch} />`}
		${task.history.length > 0 && html`<h2>Earlier attempts</h2><ol class="history">${task.history.map(attempt => html`<li>
			Attempt ${attempt.attempt}: <code>${attempt.error?.code}</code> ${attempt.error?.message} <span class="quiet">· ${formatUsd(attempt.costUsd ?? 0)} · ${ago(attempt.finishedAt)}</span>
		</li>`)}</ol>`}
		${task.questions.length > 0 && html`<h2>Questions asked</h2><ol class="history">${task.questions.map(asked => html`<li>
			<p class="question">${asked.question}</p><p>${asked.answer ? html`→ ${asked.answer} <span class="quiet">(${asked.answeredBy})</span>` : html`<span class="quiet">unanswered</span>`}</p>
		</li>`)}</ol>`}
		<h2>Transcript</h2>
		<${Transcript} worker=${task.worker} id=${task.id} />
	`;
}

function Actions({task}) {
	const [state, run] = useAction();
	if (!task.actions.cancel && !task.actions.retry) return null;
	return html`<div class="actions">
		${task.actions.cancel && html`<button class="danger" disabled=${state.busy} onClick=${() => run(task.worker, task.id, 'cancel')}>${state.busy ? 'Canceling…' : 'Cancel'}</button>`}
		${task.actions.retry && html`<button disabled=${state.busy} onClick=${() => run(task.worker, task.id, 'retry')}>Retry</button>`}
		${state.message && !state.error && html`<span class="quiet" role="status">${state.message}</span>`}
		<${ErrorNote} error=${state.error} />
	</div>`;
}
