// The Overview: what waits for a person first, today's cost against the budget and the subscription
// windows, the running workflows, then each worker.
import {getJson} from '../api.js';
import {ago, ErrorNote, formatUsd, taskHref} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';
import {CostChart} from './cost-chart.js';
import {InboxList} from './inbox.js';
import {QuotaBars} from './quota.js';
import {progressOf, workflowHref} from './workflows.js';

export function OverviewView() {
	const overview = useLive(() => getJson('/api/overview'), [], change => change.overview || change.all || (change.tasks ?? []).length > 0 || change.tasks === null || change.transcripts.length > 0);
	const data = overview.data;
	return html`<section class="overview">
		<${ErrorNote} error=${overview.error} />
		${data && html`
			${data.inbox.length > 0 && html`<section class="waiting">
				<h2>Waiting for you <span class="count">${data.inbox.length}</span></h2>
				<${InboxList} items=${data.inbox} />
			</section>`}
			<${Today} data=${data} />
			<${QuotaBars} accounts=${data.quotaAccounts} />
			${data.workflows.length > 0 && html`<h2>Running workflows</h2>
				<ul class="task-list">${data.workflows.map(workflow => html`<li class="task-row" key=${workflow.id}><a href=${workflowHref(workflow.id)}>
					<span class="cell state"><span class="badge state-running">running</span></span>
					<span class="cell name">${workflow.id}</span>
					<span class="cell prompt">${progressOf(workflow)}</span>
					<span class="cell meta">${formatUsd(workflow.costUsd)}</span>
				</a></li>`)}</ul>`}
			<h2>Workers</h2>
			<div class="workers">${data.workers.map(worker => html`<${WorkerCard} key=${worker.worker} worker=${worker} />`)}</div>
			${data.unknownFolders.length > 0 && html`<p class="warn">Folders in tasks/ that name no worker: ${data.unknownFolders.join(', ')}</p>`}
		`}
	</section>`;
}

function Today({data}) {
	const {budget, today} = data;
	const share = budget.dailyUsd ? Math.round((budget.spentUsd / budget.dailyUsd) * 100) : null;
	return html`<section class="card today" data-testid="today">
		<div class="figure"><span class="label">Spent today</span><span class="value">${formatUsd(budget.spentUsd)}</span>
			<span class="quiet">${budget.dailyUsd ? `of $${budget.dailyUsd} (${share}%)${budget.state === 'ok' ? '' : ` · ${budget.state}`}` : 'no daily budget set'}</span></div>
		<div class="figure"><span class="label">Runs</span><span class="value">${today.runs}</span><span class="quiet">${today.succeeded} succeeded · ${today.failed} failed · ${today.dead} dead</span></div>
		<div class="figure"><span class="label">Day</span><span class="value small">${data.date}</span><span class="quiet">${data.timezone}</span></div>
		<${CostChart} dailyUsd=${budget.dailyUsd} />
		${budget.estimatedUsd > 0 && html`<p class="quiet note">${formatUsd(budget.estimatedUsd)} of it is a subscription's list-price estimate, not a bill.</p>`}
		${budget.state === 'halted' && html`<p class="warn">The daily budget is spent: no task starts until ${new Date(budget.resetsAt).toLocaleString()}.</p>`}
	</section>`;
}

function WorkerCard({worker}) {
	const alive = worker.loops > 0;
	return html`<article class="card worker" data-worker=${worker.worker}>
		<header>
			<a href=${`#/tasks?worker=${encodeURIComponent(worker.worker)}`} class="name">${worker.worker}</a>
			<span class=${`dot ${alive ? 'on' : 'off'}`}></span><span class="quiet">${alive ? `${worker.loops} loop${worker.loops === 1 ? '' : 's'} running` : 'no loop running'}</span>
		</header>
		${worker.description && html`<p class="quiet">${worker.description}</p>`}
		${worker.paused && html`<p class="warn" data-testid="paused">Paused: ${worker.paused}</p>`}
		${worker.quota?.closed && html`<p class="warn">Claiming stops: ${worker.quota.closed.reason}</p>`}
		<dl class="counts">
			<div><dt>running</dt><dd data-testid="running">${worker.running}</dd></div>
			<div><dt>pending</dt><dd data-testid="pending">${worker.pending}</dd></div>
			<div><dt>waiting</dt><dd>${worker.waiting}</dd></div>
			<div><dt>today</dt><dd>${formatUsd(worker.today.costUsd)}</dd></div>
		</dl>
		${worker.budget.dailyUsd !== null && html`<p class="quiet">Own budget: ${formatUsd(worker.budget.spentUsd)} of $${worker.budget.dailyUsd}${worker.budget.state === 'ok' ? '' : ` · ${worker.budget.state}`}</p>`}
		${worker.runningTasks.length > 0 && html`<ul class="running">${worker.runningTasks.map(task => html`<li key=${task.id}>
			<a href=${taskHref(worker.worker, task.id)}>${task.id}</a>
			<span class="quiet">${task.startedAt ? `for ${ago(task.startedAt).replace(' ago', '')}` : 'claimed'}${task.tool ? ' · ' : ''}</span>${task.tool && html`<code class="tool">${task.tool}</code>`}
		</li>`)}</ul>`}
	</article>`;
}
