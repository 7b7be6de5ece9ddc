// The dashboard's one connection to the server: JSON reads, token-carrying actions, and the one event stream.
const TOKEN_KEY = 'spool-ui-token';

/** The token from the URL the server printed (#token=...), kept in localStorage and taken out of the address bar. */
export function takeTokenFromUrl() {
	const match = /^#token=([A-Za-z0-9_-]+)/.exec(location.hash);
	if (match) {
		history.replaceState(null, '', `${location.pathname}#/`);
		setToken(match[1]);
	}
}

export function getToken() {
	return localStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token) {
	if (token) {
		localStorage.setItem(TOKEN_KEY, token.trim());
	} else {
		localStorage.removeItem(TOKEN_KEY);
	}

	tokenListeners.forEach(listener => listener());
}

const tokenListeners = new Set();
export function onTokenChange(listener) {
	tokenListeners.add(listener);
	return () => tokenListeners.delete(listener);
}

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

async function answerOf(response) {
	const body = await response.json().catch(() => ({}));
	if (!response.ok && body.error) {
		throw new ApiError(response.status, body.error.code, body.error.message);
	}

	if (!response.ok && !('ok' in body)) {
		throw new ApiError(response.status, 'http_error', `the server answered ${response.status}`);
	}

	return body;
}

export async function getJson(path) {
	return answerOf(await fetch(path, {headers: {accept: 'application/json'}}));
}

/** POST /api/tasks/WORKER/ID/ACTION with the token; resolves to {ok, outcome, message}. */
export async function postAction(worker, id, action, body = {}) {
	const response = await fetch(`/api/tasks/${encodeURIComponent(worker)}/${encodeURIComponent(id)}/${action}`, {
		method: 'POST',
		headers: {'content-type': 'application/json', authorization: `Bearer ${getToken()}`},
		body: JSON.stringify(body),
	});
	return answerOf(response);
}

// One EventSource for the whole page; views subscribe to what changed.
const changeListeners = new Set();
let source;
let connected = false;
const statusListeners = new Set();

export function connectEvents() {
	source = new EventSource('/api/events');
	source.addEventListener('hello', () => {
		setConnected(true);
		// (Re)connected: anything may have moved meanwhile.
		changeListeners.forEach(listener => listener({all: true, tasks: null, transcripts: [], overview: true}));
	});
	source.addEventListener('change', event => {
		const change = JSON.parse(event.data);
		changeListeners.forEach(listener => listener(change));
	});
	source.addEventListener('error', () => setConnected(false));
}

function setConnected(value) {
	if (value !== connected) {
		connected = value;
		statusListeners.forEach(listener => listener(value));
	}
}

export function isConnected() {
	return connected;
}

export function onConnection(listener) {
	statusListeners.add(listener);
	return () => statusListeners.delete(listener);
}

export function onChange(listener) {
	changeListeners.add(listener);
	return () => changeListeners.delete(listener);
}

/** Does a change concern the task WORKER/ID? (tasks null: many moved.) */
export function touchesTask(change, key) {
	return change.all || change.tasks === null || change.tasks.includes(key);
}
