import fs from 'node:fs';
import type {Layout} from '../queue/layout.ts';
import {isObject} from '../queue/read-file.ts';
import type {TaskEntry} from './find.ts';

/** What is read of a transcript's end: enough for the last few dozen events of a run. */
const TAIL_BYTES = 256 * 1024;
const TEXT_WIDTH = 160;

/** The transcript's last complete lines, parsed; lines that are not JSON objects are left out. */
export function readTranscriptTail(file: string, bytes = TAIL_BYTES): Array<Record<string, unknown>> {
	let fd: number;
	try {
		fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
	} catch {
		return [];
	}

	try {
		const {size} = fs.fstatSync(fd);
		const start = Math.max(0, size - bytes);
		const buffer = Buffer.alloc(size - start);
		const read = fs.readSync(fd, buffer, 0, buffer.length, start);
		const lines = buffer.subarray(0, read).toString('utf8').split('\n');
		return (start > 0 ? lines.slice(1) : lines).flatMap(line => parseLine(line));
	} finally {
		fs.closeSync(fd);
	}
}

function parseLine(line: string): Array<Record<string, unknown>> {
	try {
		const value: unknown = JSON.parse(line);
		return isObject(value) ? [value] : [];
	} catch {
		return [];
	}
}

/**
 * A transcript as a person reads it: one line per attempt start, assistant text, tool call and tool
 * result, and the run's end, each cut to one screen line. The last `max` of them.
 */
export function renderTranscript(events: Array<Record<string, unknown>>, max = 20): string[] {
	return events.flatMap(event => renderEvent(event)).slice(-max);
}

function renderEvent(event: Record<string, unknown>): string[] {
	if (event.type === 'spool' && event.event === 'attempt') {
		return [`── attempt ${String(event.attempt)} started ${String(event.startedAt ?? '')}`];
	}

	if (event.type === 'system' && event.subtype === 'init') {
		return [`   session ${String(event.session_id)} (model ${String(event.model ?? '?')})`];
	}

	if (event.type === 'result') {
		const cost = typeof event.total_cost_usd === 'number' ? `, $${event.total_cost_usd.toFixed(4)}` : '';
		return [`── ${event.is_error === true ? 'ended with an error' : 'done'} (${String(event.subtype)}, ${String(event.num_turns ?? '?')} turns${cost})${typeof event.result === 'string' && event.result ? `: ${oneLine(event.result)}` : ''}`];
	}

	const message = isObject(event.message) ? event.message : undefined;
	const content = Array.isArray(message?.content) ? (message.content as unknown[]).filter(isObject) : [];
	if (event.type === 'assistant') {
		return content.flatMap(block => {
			if (block.type === 'text' && typeof block.text === 'string' && block.text.trim()) {
				return [`   claude: ${oneLine(block.text)}`];
			}

			return block.type === 'tool_use' ? [`   tool ${describeToolCall(block)}`] : [];
		});
	}

	if (event.type === 'user') {
		return content.filter(block => block.type === 'tool_result').map(block => `   ${block.is_error === true ? '✗' : '→'} ${oneLine(toolResultText(block.content))}`);
	}

	return [];
}

/** `Bash: ls -la`, `Read: src/x.ts`: the tool's name and the input a person recognises it by. */
export function describeToolCall(block: Record<string, unknown>): string {
	const input = isObject(block.input) ? block.input : {};
	const main = ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt'].map(key => input[key]).find(value => typeof value === 'string');
	return `${String(block.name)}: ${oneLine(typeof main === 'string' ? main : JSON.stringify(input))}`;
}

function toolResultText(content: unknown): string {
	if (typeof content === 'string') {
		return content || '(no output)';
	}

	if (Array.isArray(content)) {
		return content.map(part => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join(' ') || '(no text)';
	}

	return '(no output)';
}

/** The tool call a run is in right now: the last tool_use with no tool_result after it. */
export function currentToolCall(events: Array<Record<string, unknown>>): string | undefined {
	const answered = new Set<unknown>();
	for (const event of [...events].reverse()) {
		const message = isObject(event.message) ? event.message : undefined;
		for (const block of (Array.isArray(message?.content) ? (message.content as unknown[]) : []).filter(isObject).reverse()) {
			if (block.type === 'tool_result') {
				answered.add(block.tool_use_id);
			} else if (block.type === 'tool_use') {
				return answered.has(block.id) ? undefined : describeToolCall(block);
			}
		}

		if (event.type === 'result' || (event.type === 'spool' && event.event === 'attempt')) {
			return undefined;
		}
	}

	return undefined;
}

function oneLine(text: string): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	return flat.length > TEXT_WIDTH ? `${flat.slice(0, TEXT_WIDTH - 1)}…` : flat;
}

/** The run under way of a running task, as its transcript's end tells it. */
export type RunNow = {startedAt?: number; tool?: string};

/**
 * A running task's run, from one read of its transcript's end; undefined while it is only claimed (the
 * transcript's last attempt line is then an earlier attempt's).
 */
export function readRun(layout: Layout, entry: TaskEntry): RunNow | undefined {
	return entry.where === 'running' && entry.attempt !== undefined ? runOf(readTranscriptTail(layout.transcriptFile(entry.worker, entry.id), 64 * 1024)) : undefined;
}

/** When the run started (its attempt line) and the tool call it is in, from transcript events already read. */
export function runOf(events: Array<Record<string, unknown>>): RunNow {
	const attempt = events.findLast(event => event.type === 'spool' && event.event === 'attempt');
	const time = typeof attempt?.startedAt === 'string' ? Date.parse(attempt.startedAt) : Number.NaN;
	const tool = currentToolCall(events);
	return {...(Number.isNaN(time) ? {} : {startedAt: time}), ...(tool === undefined ? {} : {tool})};
}
