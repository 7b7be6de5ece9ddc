// A run's stream-json transcript as a person reads it: what claude said, each tool call with its result
// (long ones folded), each attempt's start and end. It grows live: the event stream says when the file did.
import {useEffect, useRef, useState} from 'preact/hooks';
import {getJson, onChange} from '../api.js';
import {formatUsd} from '../format.js';
import {html} from '../html.js';

/** A tool result longer than this, or with more lines, starts folded. */
const FOLD_CHARS = 600;
const FOLD_LINES = 8;

export function Transcript({worker, id}) {
	const key = `${worker}/${id}`;
	const [events, setEvents] = useState([]);
	const [error, setError] = useState();
	const reader = useRef({next: 0, busy: false, again: false});

	useEffect(() => {
		let alive = true;
		reader.current = {next: 0, busy: false, again: false};
		setEvents([]);
		const pull = async () => {
			const state = reader.current;
			if (state.busy) {
				state.again = true;
				return;
			}

			state.busy = true;
			try {
				let more = true;
				while (alive && (more || state.again)) {
					state.again = false;
					const chunk = await getJson(`/api/tasks/${encodeURIComponent(worker)}/${encodeURIComponent(id)}/transcript?offset=${state.next}`);
					if (!alive) return;
					if (chunk.reset) setEvents([]);
					state.next = chunk.next;
					if (chunk.events.length > 0) setEvents(previous => [...(chunk.reset ? [] : previous), ...chunk.events]);
					more = chunk.more;
				}
				setError(undefined);
			} catch (caught) {
				if (alive) setError(caught);
			} finally {
				state.busy = false;
			}
		};

		void pull();
		const off = onChange(change => {
			if (change.all || change.transcripts.includes(key)) void pull();
		});
		return () => {
			alive = false;
			off();
		};
	}, [key]);

	if (error) return html`<p class="error-note">The transcript cannot be read: ${error.message}</p>`;
	if (events.length === 0) return html`<p class="quiet">No transcript yet: it starts when claude does.</p>`;
	return html`<ol class="transcript" data-testid="transcript">${renderEvents(events)}</ol>`;
}

function renderEvents(events) {
	const results = new Map();
	for (const event of events) {
		for (const block of contentOf(event)) {
			if (block.type === 'tool_result') results.set(block.tool_use_id, block);
		}
	}

	const shown = new Set();
	const items = [];
	events.forEach((event, index) => {
		if (event.type === 'spool' && event.event === 'attempt') {
			items.push(html`<li key=${index} class="t-attempt">Attempt ${event.attempt} started ${event.startedAt ? new Date(event.startedAt).toLocaleString() : ''}</li>`);
		} else if (event.type === 'system' && event.subtype === 'init') {
			items.push(html`<li key=${index} class="t-meta">session ${event.session_id} · model ${event.model ?? '?'}</li>`);
		} else if (event.type === 'assistant') {
			contentOf(event).forEach((block, blockIndex) => {
				const key = `${index}.${blockIndex}`;
				if (block.type === 'text' && block.text?.trim()) {
					items.push(html`<li key=${key} class="t-text">${block.text}</li>`);
				} else if (block.type === 'thinking' && block.thinking?.trim()) {
					items.push(html`<li key=${key} class="t-thinking"><details><summary>thinking</summary><div class="pre">${block.thinking}</div></details></li>`);
				} else if (block.type === 'tool_use') {
					shown.add(block.id);
					items.push(html`<li key=${key} class="t-tool"><${ToolCall} call=${block} result=${results.get(block.id)} /></li>`);
				}
			});
		} else if (event.type === 'user') {
			contentOf(event).forEach((block, blockIndex) => {
				if (block.type === 'tool_result' && !shown.has(block.tool_use_id)) {
					items.push(html`<li key=${`${index}.${blockIndex}`} class="t-tool"><${ToolResult} result=${block} /></li>`);
				}
			});
		} else if (event.type === 'result') {
			items.push(html`<li key=${index} class=${`t-result ${event.is_error ? 'bad' : 'good'}`}>
				<strong>${event.is_error ? 'Ended with an error' : 'Done'}</strong>
				<span class="quiet"> · ${event.subtype} · ${event.num_turns ?? '?'} turns${typeof event.total_cost_usd === 'number' ? ` · ${formatUsd(event.total_cost_usd)}` : ''}</span>
				${typeof event.result === 'string' && event.result && html`<div class="pre">${event.result}</div>`}
			</li>`);
		} else if (event.type === 'spool-ui' && event.subtype === 'line_too_long') {
			items.push(html`<li key=${index} class="t-meta">A line of ${Math.round(event.bytes / 1024)} KiB, shown by its start: <details><summary>start</summary><div class="pre">${event.head}</div></details></li>`);
		}
	});
	return items;
}

function contentOf(event) {
	const content = event?.message?.content;
	return Array.isArray(content) ? content.filter(block => block && typeof block === 'object') : [];
}

/** The input a person recognises a call by: the command, the file, the pattern... */
function mainInput(input) {
	for (const name of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt', 'question']) {
		if (typeof input?.[name] === 'string') return input[name];
	}

	return JSON.stringify(input ?? {});
}

function ToolCall({call, result}) {
	const input = call.input ?? {};
	const extra = Object.keys(input).length > 1 || typeof input[Object.keys(input)[0]] !== 'string';
	return html`<div class="tool-call">
		<div class="tool-head"><span class="tool-name">${call.name}</span> <code class="tool-input">${mainInput(input)}</code></div>
		${extra && html`<details class="tool-args"><summary>input</summary><div class="pre">${JSON.stringify(input, null, 2)}</div></details>`}
		${result ? html`<${ToolResult} result=${result} />` : html`<div class="tool-pending quiet">running…</div>`}
	</div>`;
}

function ToolResult({result}) {
	const text = resultText(result.content);
	const folded = text.length > FOLD_CHARS || text.split('\n').length > FOLD_LINES;
	const cls = `tool-result ${result.is_error ? 'bad' : ''}`;
	if (!folded) return html`<div class=${cls}><div class="pre">${text || '(no output)'}</div></div>`;
	const first = text.split('\n')[0].slice(0, 120);
	return html`<details class=${cls}><summary>${first}<span class="quiet"> · ${text.split('\n').length} lines, ${text.length} chars</span></summary><div class="pre">${text}</div></details>`;
}

function resultText(content) {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) return content.map(part => (typeof part?.text === 'string' ? part.text : '')).join('\n');
	return '';
}
