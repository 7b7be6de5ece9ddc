import path from 'node:path';
import {POLICY_MARK} from '../ask/hook.ts';
import type {SandboxNote} from './run-settings.ts';

/** One thing the sandbox or the file tools' limits refused in a run, as the result keeps it. */
export type SandboxBlock = {tool: string; kind: 'write' | 'read' | 'network'; target: string; time: string};

/** A command that writes: a redirection, or a program that makes, moves or removes files. */
const WRITES = />|\b(tee|cp|mv|rm|mkdir|touch|ln|chmod|sed -i|truncate|dd|write\w*|append\w*)\b|open\([^)]*['"][wax]/;
const FILE_TOOLS = new Set(['Read', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const LOOPBACK = /(?:Failed to connect to|connect ECONNREFUSED|Connection refused[^\n]*?)\s*(localhost|127\.0\.0\.1|\[?::1\]?)(?:[ :]+(?:port )?(\d+))?/;

/**
 * Whether a tool's result shows a block, and of what (pure: table-tested in test/unit/sandbox-rules.test.ts).
 * - Bash: claude's refusal of a command that names a protected path (its deny rules cover Bash too); its `<sandbox_violations>` note (a host the proxy refused); "Read-only file system" (a
 *   write outside the writable folders); a "No such file" or "Permission denied" that names a hidden path;
 *   a refused connection to this machine's loopback, which a sandboxed command's own network cannot reach;
 *   any command naming a hidden path, which it sees as an empty folder whose writes are thrown away.
 * - File tools: claude's refusal by a deny rule, or by blockWritesOutsideWorkingDirectories.
 */
export function blockOf(tool: string, input: unknown, text: string, note: Pick<SandboxNote, 'denied'>): Omit<SandboxBlock, 'time'> | undefined {
	const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
	if (FILE_TOOLS.has(tool)) {
		const target = typeof fields.file_path === 'string' ? fields.file_path : typeof fields.notebook_path === 'string' ? fields.notebook_path : '';
		if (text.includes('denied by your permission settings') || text.includes('blockWritesOutsideWorkingDirectories')) {
			return {tool, kind: tool === 'Read' ? 'read' : 'write', target};
		}

		return undefined;
	}

	if (tool !== 'Bash') {
		return undefined;
	}

	const command = typeof fields.command === 'string' ? fields.command : '';
	if (/Permission to use Bash with command [\s\S]* has been denied/.test(text) && !text.includes(POLICY_MARK)) {
		// claude's own check of the command against the deny rules, before the sandbox: only one that names a protected path is spool's.
		const hidden = note.denied.find(file => command.includes(file));
		return hidden === undefined ? undefined : {tool, kind: WRITES.test(command) ? 'write' : 'read', target: hidden};
	}

	const violation = /deny network-outbound (\S+)/.exec(text);
	if (violation) {
		return {tool, kind: 'network', target: violation[1]!};
	}

	// "x: Read-only file system" from a shell or coreutils, "Read-only file system: 'x'" from python.
	const readOnly = /Read-only file system: '([^']+)'/.exec(text) ?? /([^\s:'"`]+)'?: Read-only file system/.exec(text);
	if (readOnly || text.includes('Read-only file system')) {
		return {tool, kind: 'write', target: readOnly?.[1] ?? command.slice(0, 200)};
	}

	if (/No such file or directory|Permission denied|EACCES|cannot access|cannot open/i.test(text)) {
		const hidden = note.denied.find(file => text.includes(file) || mentions(text, file));
		if (hidden !== undefined) {
			return {tool, kind: WRITES.test(command) ? 'write' : 'read', target: hidden};
		}
	}

	const loopback = LOOPBACK.exec(text);
	if (loopback) {
		return {tool, kind: 'network', target: `${loopback[1]}${loopback[2] ? `:${loopback[2]}` : ''}`};
	}

	// A hidden folder is an empty one inside the sandbox, and what a command writes there is thrown away with it: no error says so.
	const named = note.denied.find(file => command.includes(file));
	return named === undefined ? undefined : {tool, kind: WRITES.test(command) ? 'write' : 'read', target: named};
}

/** A message naming a path by its last two parts ("auth-homes/b/settings.json" under a relative cwd). */
function mentions(text: string, file: string): boolean {
	const tail = path.join(path.basename(path.dirname(file)), path.basename(file));
	return tail.length > 3 && text.includes(`${tail}/`);
}

/** Why a block happened, in words for the model: added to the tool's result by the PostToolUse hook. */
export function explainBlock(block: Omit<SandboxBlock, 'time'>, note: SandboxNote): string {
	const why =
		block.kind === 'network'
			? `spool's sandbox blocked the connection to ${block.target}: commands reach ${note.domains.length > 0 ? `only ${note.domains.join(', ')}` : 'no host'} (this machine's own services neither)`
			: block.kind === 'write'
				? `spool's sandbox blocked writing ${block.target}: commands write only in ${note.writable.join(', ')}`
				: `spool's sandbox hides ${block.target}: spool's own state, configuration and credentials cannot be read, and what is written there is thrown away`;
	return `${why}. This is deliberate and no retry or other way will get through; go on without it, or say in your answer what you needed.`;
}

/**
 * The blocks of a run, read from its stream: each tool call (by its id) whose result shows one.
 * Like policy/violations.ts, it writes nothing of its own; the transcript holds what the model was told.
 */
export class BlockLog {
	readonly blocks: SandboxBlock[] = [];
	readonly #calls = new Map<string, {tool: string; input: unknown}>();

	readonly #note: Pick<SandboxNote, 'denied'>;

	constructor(note: Pick<SandboxNote, 'denied'>) {
		this.#note = note;
	}

	observe(event: Record<string, unknown>): void {
		const content = (event.message as {content?: unknown} | undefined)?.content;
		if (!Array.isArray(content)) {
			return;
		}

		for (const block of content as Array<Record<string, unknown>>) {
			if (event.type === 'assistant' && block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
				this.#calls.set(block.id, {tool: block.name, input: block.input});
			}

			if (event.type === 'user' && block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
				const call = this.#calls.get(block.tool_use_id);
				const found = call && blockOf(call.tool, call.input, textOf(block.content), this.#note);
				if (found) {
					this.blocks.push({...found, target: found.target.slice(0, 500), time: new Date().toISOString()});
				}
			}
		}
	}
}

function textOf(content: unknown): string {
	if (typeof content === 'string') {
		return content;
	}

	return Array.isArray(content) ? content.map(part => (typeof part === 'object' && part !== null && typeof (part as {text?: unknown}).text === 'string' ? (part as {text: string}).text : '')).join('\n') : '';
}
