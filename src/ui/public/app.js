// The dashboard: a hash router over its views, a header with the live state, and the token prompt.
import {render} from 'preact';
import {useEffect, useState} from 'preact/hooks';
import {connectEvents, getToken, isConnected, onConnection, onTokenChange, setToken, takeTokenFromUrl} from './api.js';
import {html} from './html.js';
import {useLive} from './live.js';
import {getJson} from './api.js';
import {InboxView} from './views/inbox.js';
import {ReportsView, ReportView} from './views/reports.js';
import {WorkflowView} from './views/workflow.js';
import {WorkflowsView} from './views/workflows.js';
import {OverviewView} from './views/overview.js';
import {TaskView} from './views/task.js';
import {TasksView} from './views/tasks.js';

function parseRoute(hash) {
	const [path, query = ''] = hash.replace(/^#/, '').split('?');
	const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
	const params = new URLSearchParams(query);
	if (parts[0] === 'tasks') return {view: 'tasks', params};
	if (parts[0] === 'task' && parts.length === 3) return {view: 'task', worker: parts[1], id: parts[2]};
	if (parts[0] === 'inbox') return {view: 'inbox'};
	if (parts[0] === 'workflows') return {view: 'workflows'};
	if (parts[0] === 'workflow' && parts.length === 2) return {view: 'workflow', id: parts[1]};
	if (parts[0] === 'reports') return {view: 'reports'};
	if (parts[0] === 'report' && parts.length === 2) return {view: 'report', date: parts[1]};
	return {view: 'overview'};
}

function useRoute() {
	const [route, setRoute] = useState(() => parseRoute(location.hash));
	useEffect(() => {
		// A #token=... opened while the page is open is taken too, not only at load.
		const update = () => {
			takeTokenFromUrl();
			setRoute(parseRoute(location.hash));
		};
		addEventListener('hashchange', update);
		return () => removeEventListener('hashchange', update);
	}, []);
	return route;
}

function useConnected() {
	const [connected, setConnected] = useState(isConnected());
	useEffect(() => onConnection(setConnected), []);
	return connected;
}

function TokenBar() {
	const [token, setLocal] = useState(getToken());
	const [draft, setDraft] = useState('');
	useEffect(() => onTokenChange(() => setLocal(getToken())), []);
	if (token) return null;
	const save = event => {
		event.preventDefault();
		setToken(draft);
	};

	return html`<form class="token-bar" onSubmit=${save}>
		<span>Reading needs nothing; to act (cancel, retry, answer) paste the token <code>spool ui</code> printed, or open the URL it printed.</span>
		<input aria-label="token" name="token" autocomplete="off" placeholder="token" value=${draft} onInput=${event => setDraft(event.currentTarget.value)} />
		<button type="submit" disabled=${!draft.trim()}>Save</button>
	</form>`;
}

function Header({route}) {
	const connected = useConnected();
	const inbox = useLive(() => getJson('/api/inbox'), [], change => change.overview || change.all);
	const count = inbox.data?.inbox.length ?? 0;
	const link = (view, href, label, extra) => html`<a href=${href} class=${route.view === view || `${route.view}s` === view ? 'active' : ''}>${label}${extra}</a>`;
	return html`<header class="top">
		<a class="brand" href="#/">spool</a>
		<nav>
			${link('overview', '#/', 'Overview')}
			${link('tasks', '#/tasks', 'Tasks')}
			${link('workflows', '#/workflows', 'Workflows')}
			${link('reports', '#/reports', 'Reports')}
			${link('inbox', '#/inbox', 'Inbox', count > 0 ? html` <span class="count" data-testid="inbox-count">${count}</span>` : null)}
		</nav>
		<span class=${`live ${connected ? 'on' : 'off'}`} title=${connected ? 'live: changes on disk show here within a second' : 'reconnecting to the server…'}>${connected ? 'live' : 'offline'}</span>
	</header>`;
}

function App() {
	const route = useRoute();
	let view;
	if (route.view === 'tasks') view = html`<${TasksView} params=${route.params} />`;
	else if (route.view === 'task') view = html`<${TaskView} key=${`${route.worker}/${route.id}`} worker=${route.worker} id=${route.id} />`;
	else if (route.view === 'inbox') view = html`<${InboxView} />`;
	else if (route.view === 'workflows') view = html`<${WorkflowsView} />`;
	else if (route.view === 'workflow') view = html`<${WorkflowView} key=${route.id} id=${route.id} />`;
	else if (route.view === 'reports') view = html`<${ReportsView} />`;
	else if (route.view === 'report') view = html`<${ReportView} key=${route.date} date=${route.date} />`;
	else view = html`<${OverviewView} />`;
	return html`<${Header} route=${route} /><${TokenBar} /><main>${view}</main>`;
}

takeTokenFromUrl();
connectEvents();
const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
