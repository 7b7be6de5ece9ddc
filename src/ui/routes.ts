import type http from 'node:http';
import os from 'node:os';
import type {Config} from '../config/load.ts';
import {ID_PATTERN} from '../lifecycle/names.ts';
import {ACTIONS, runAction, type Action} from './actions.ts';
import type {EventHub} from './event-hub.ts';
import {checkAction, checkHost} from './guard.ts';
import {WORKFLOW_ID_PATTERN} from '../orchestrator/definition.ts';
import {createWorkflowLayout} from '../orchestrator/store.ts';
import type {CostSeriesReader} from './cost-series.ts';
import {readJsonBody, sendError, sendFailure, sendJson} from './http-io.ts';
import {readInbox, readOverview} from './overview.ts';
import {readPatch} from './patch-file.ts';
import {isReportDate, listReports, readReport} from './reports.ts';
import {contentSecurityPolicy, findStaticFile} from './static-files.ts';
import type {TaskIndex} from './task-index.ts';
import {readTaskDetail} from './task-detail.ts';
import {parseTaskQuery} from './task-query.ts';
import {readTranscriptChunk} from './transcript-chunk.ts';
import {listWorkflows, readWorkflow} from './workflows.ts';

export type RouteContext = {config: Config; index: TaskIndex; hub: EventHub; costs: CostSeriesReader; token: string; host: string};

const PAGE_HEADERS = {'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY'};

/** Answers one request: the host check for all, the token and origin checks for actions, then the route. */
export function createHandler(context: RouteContext): (request: http.IncomingMessage, response: http.ServerResponse) => void {
	const allowedNames = [context.host, os.hostname()];
	const csp = contentSecurityPolicy();
	return (request, response) => {
		for (const [name, value] of Object.entries(PAGE_HEADERS)) {
			response.setHeader(name, value);
		}

		const hostRefused = checkHost(request.headers.host, allowedNames);
		if (hostRefused) {
			sendError(response, 403, hostRefused.code, hostRefused.message);
			return;
		}

		const url = new URL(request.url ?? '/', 'http://dashboard');
		route(context, request, response, url, csp).catch(error => {
			if (!response.headersSent) {
				sendFailure(response, error);
			} else {
				response.end();
			}
		});
	};
}

async function route(context: RouteContext, request: http.IncomingMessage, response: http.ServerResponse, url: URL, csp: string): Promise<void> {
	const {config, index} = context;
	const parts = url.pathname.split('/').filter(Boolean).map(part => decodeURIComponent(part));
	if (request.method === 'POST') {
		await routeAction(context, request, response, parts);
		return;
	}

	if (request.method !== 'GET' && request.method !== 'HEAD') {
		sendError(response, 405, 'method_not_allowed', `${request.method} is not answered here: reads are GET, actions POST`);
		return;
	}

	if (parts[0] !== 'api') {
		const file = findStaticFile(url.pathname);
		if (!file) {
			sendError(response, 404, 'not_found', `no page ${url.pathname}`);
			return;
		}

		response.writeHead(200, {'content-type': file.type, 'cache-control': 'no-cache', 'content-security-policy': csp});
		response.end(file.body);
		return;
	}

	const [, what, worker, id, sub, ...rest] = parts;
	if (what === 'events' && parts.length === 2) {
		context.hub.add(request, response);
	} else if (what === 'overview' && parts.length === 2) {
		sendJson(response, 200, await readOverview(config, index));
	} else if (what === 'inbox' && parts.length === 2) {
		sendJson(response, 200, {inbox: readInbox(config, index)});
	} else if (what === 'cost' && worker === 'today' && parts.length === 3) {
		sendJson(response, 200, context.costs.read());
	} else if (what === 'workflows' || what === 'reports') {
		routeRecords(context, response, what, parts.slice(2));
	} else if (what === 'tasks' && worker === undefined) {
		sendJson(response, 200, {...index.query(parseTaskQuery(url.searchParams, index.workers)), workers: index.workers});
	} else if (what === 'tasks' && id !== undefined && sub === undefined && checkTask(response, context, worker!, id)) {
		sendJson(response, 200, readTaskDetail(config, index, worker!, id));
	} else if (what === 'tasks' && id !== undefined && sub === 'transcript' && rest.length === 0 && checkTask(response, context, worker!, id)) {
		const offset = Number(url.searchParams.get('offset') ?? 0);
		if (!Number.isSafeInteger(offset) || offset < 0) {
			sendError(response, 400, 'bad_query', `?offset= takes a byte offset (a whole number from 0); got "${url.searchParams.get('offset')}"`);
			return;
		}

		sendJson(response, 200, readTranscriptChunk(index.layout.transcriptFile(worker!, id), offset));
	} else if (what === 'tasks' && id !== undefined && sub === 'patch' && rest.length === 0 && checkTask(response, context, worker!, id)) {
		const patch = readPatch(index.layout, worker!, id);
		if (patch) {
			sendJson(response, 200, patch);
		} else {
			sendError(response, 404, 'patch_not_found', `${worker}/${id} has no patch (results/${worker}/${id}.patch): only a task that names a repo leaves one`);
		}
	} else if (!response.headersSent) {
		sendError(response, 404, 'not_found', `no API ${url.pathname}: see docs/ui.md`);
	}
}

/** GET /api/workflows[/ID] and /api/reports[/DATE]: the workflows of results/workflows/, the reports of reports/. */
function routeRecords(context: RouteContext, response: http.ServerResponse, what: 'workflows' | 'reports', rest: string[]): void {
	const {layout} = context.index;
	const workflowLayout = createWorkflowLayout(layout.home);
	if (rest.length === 0) {
		sendJson(response, 200, what === 'workflows' ? {workflows: listWorkflows(layout, workflowLayout)} : {reports: listReports(layout)});
		return;
	}

	const [name] = rest;
	const record = rest.length !== 1 ? undefined : what === 'workflows' ? (WORKFLOW_ID_PATTERN.test(name!) ? readWorkflow(layout, workflowLayout, name!) : undefined) : isReportDate(name!) ? readReport(layout, name!) : undefined;
	if (record) {
		sendJson(response, 200, record);
	} else if (what === 'workflows') {
		sendError(response, 404, 'workflow_not_found', `no workflow "${rest.join('/')}" in results/workflows/ (one shows once the orchestrator started it)`);
	} else {
		sendError(response, 404, 'report_not_found', `no report "${rest.join('/')}" in reports/ (a name is a date, YYYY-MM-DD)`);
	}
}

async function routeAction(context: RouteContext, request: http.IncomingMessage, response: http.ServerResponse, parts: string[]): Promise<void> {
	const header = (name: string) => {
		const value = request.headers[name];
		return Array.isArray(value) ? value[0] : value;
	};

	const refused = checkAction({host: header('host'), origin: header('origin'), secFetchSite: header('sec-fetch-site'), contentType: header('content-type'), authorization: header('authorization')}, context.token);
	if (refused) {
		sendError(response, 403, refused.code, refused.message);
		return;
	}

	const [api, what, worker, id, action, ...rest] = parts;
	if (api !== 'api' || what !== 'tasks' || rest.length > 0 || !(ACTIONS as readonly string[]).includes(action ?? '')) {
		sendError(response, 404, 'not_found', `no action /${parts.join('/')}: POST /api/tasks/WORKER/ID/ACTION, ACTION one of ${ACTIONS.join(', ')}`);
		return;
	}

	if (!checkTask(response, context, worker!, id!)) {
		return;
	}

	const body = await readJsonBody(request);
	const outcome = await runAction(context.config, context.index, action as Action, worker!, id!, body);
	sendJson(response, outcome.ok ? 200 : 409, outcome);
}

/** A worker of spool.yaml and a well-formed id; else a 404 that says which is wrong. */
function checkTask(response: http.ServerResponse, context: RouteContext, worker: string, id: string): boolean {
	if (!context.config.workers[worker]) {
		sendError(response, 404, 'unknown_worker', `no worker named "${worker}" in spool.yaml (workers: ${context.index.workers.join(', ')})`);
		return false;
	}

	if (!ID_PATTERN.test(id)) {
		sendError(response, 404, 'task_not_found', `"${id}" is no task id (1-128 letters, digits, ".", "-", "_")`);
		return false;
	}

	return true;
}
