// Reports: the end-of-day reports of reports/DATE.md, newest first, and each rendered.
import {getJson} from '../api.js';
import {ErrorNote, formatUsd} from '../format.js';
import {html} from '../html.js';
import {useLive} from '../live.js';
import {Markdown} from '../markdown.js';

const reportHref = date => `#/report/${date}`;

export function ReportsView() {
	const list = useLive(() => getJson('/api/reports'), [], change => change.all || change.reports);
	const reports = list.data?.reports;
	return html`<section class="reports">
		<h1>Reports</h1>
		<${ErrorNote} error=${list.error} />
		${reports && (reports.length === 0
			? html`<p class="quiet">No report yet. The orchestrator writes one a day at <code>report.at</code>; <code>spool report</code> writes today's now (docs/report.md).</p>`
			: html`<ul class="task-list">${reports.map(report => html`<li class="task-row report-row" key=${report.date} data-report=${report.date}>
				<a href=${reportHref(report.date)}>
					<span class="cell name">${report.date}</span>
					<span class="cell prompt">${report.tasks === null ? '' : `${report.tasks} task${report.tasks === 1 ? '' : 's'}${report.failed ? `, ${report.failed} failed` : ''}`}</span>
					<span class="cell meta">${report.costUsd === null ? '' : formatUsd(report.costUsd)}</span>
				</a>
			</li>`)}</ul>`)}
	</section>`;
}

export function ReportView({date}) {
	const read = useLive(() => getJson(`/api/reports/${encodeURIComponent(date)}`), [date], change => change.all || change.reports);
	const report = read.data?.date === date ? read.data : undefined;
	return html`<section class="report-page">
		<p class="crumbs"><a href="#/reports">Reports</a> / <code>${report?.file ?? `reports/${date}.md`}</code></p>
		<${ErrorNote} error=${read.error} />
		${report?.markdown !== null && report && html`<article class="card report"><${Markdown} text=${report.markdown} testid="report" /></article>`}
		${report?.tooLarge && html`<p class="warn">This report is ${Math.round(report.tooLarge / 1024)} KiB, too large to show here: read <code>${report.file}</code>.</p>`}
	</section>`;
}
