// How numbers, times and states read on the page.
import {html} from './html.js';

export function formatUsd(value) {
	if (value === null || value === undefined) return '–';
	return value === 0 ? '$0' : value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`;
}

/** "3 s", "4 min", "2 h", "5 d": how long ago (or for how long). */
export function formatSpan(ms) {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 60) return `${s} s`;
	if (s < 3600) return `${Math.floor(s / 60)} min`;
	if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
	return `${Math.floor(s / 86_400)} d`;
}

export function ago(time) {
	const at = typeof time === 'number' ? time : Date.parse(time);
	return Number.isNaN(at) ? '' : `${formatSpan(Date.now() - at)} ago`;
}

export function StateBadge({state}) {
	return html`<span class=${`badge state-${state}`} data-state=${state}>${state}</span>`;
}

export function taskHref(worker, id) {
	return `#/task/${encodeURIComponent(worker)}/${encodeURIComponent(id)}`;
}

export function ErrorNote({error}) {
	if (!error) return null;
	return html`<p class="error-note" role="alert">${error.message ?? String(error)}</p>`;
}
