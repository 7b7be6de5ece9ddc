import path from 'node:path';
import {POLICY_MARK} from '../ask/hook.ts';
import type {SandboxNote} from './run-settings.ts';
import {ToolCalls} from '../worker/tool-calls.ts';

/** One thing the sandbox or the file tools' limits refused in a run, as the result keeps it. */
export type SandboxBlock = {tool: string; kind: 'write' | 'read' | 'network'; target: string; time: string};

/** A command that writes: a redirection (not of a file descriptor, nor to /dev/null), or a program that makes, moves or removes files. */
const WRITES = /(^|[^0-9&>])>>?(?!\s*\/dev\/null)(?!&)|\b(tee|cp|mv|rm|mkdir|touch|ln|chmod|sed -i|truncate|dd|write\w*|append\w*)\b|open\([^)]*['"][wax]/;
const FILE_TOOLS = new Set(['Read', 'Write', 'Edit', 'MultiEdit', 'NotebookEdit']);
const LOOPBACK = /(?:Failed to connect to|connect ECONNREFUSED|Connection refused[^\n]*?)\s*(localhost|127\.0\.0\.1|\[?::1\]?)(?:[ :]+(?:port )?(\d+))?/;

/** The protected path that `text` names as a whole path (followed by an end, "/", a quote, a space...), if any. */
function namedPath(text: string, denied: readonly string[]): string | undefined {
	return denied.find(file => {
		for (let at = text.indexOf(file); at !== -1; at = text.indexOf(file, at + 1)) {
			const next = text[at + file.length];
			if (next === undefined || !/[\w.-]/.test(next)) {
				return true;
			}
		}

		return false;
	});
}

/**
 * Whether a tool's result shows a block, and of what (pure: table-tested in test/unit/sandbox-rules.test.ts).
 * `failed`: the result is an error (claude's is_error). Only a failed call counts, except a command that
 * names a hidden path, which sees an empty folder whose writes are thrown away without an error.
 * - Bash, with its commands sandboxed (`note.commands`): claude's refusal of a command that names a
 *   protected path (its deny rules cover Bash too); its `<sandbox_violations>` note (a host the proxy
 *   refused); "Read-only file system" (a write outside the writable folders); "No such file" or
 *   "Permission denied" naming a hidden path; a refused connection to this machine's loopback by a
 *   command that names it, which a sandboxed command's own network cannot reach.
 * - File tools: claude's refusal of a protected path by a deny rule, or by blockWritesOutsideWorkingDirectories.
 */
export function blockOf(tool: string, input: unknown, text: string, note: Pick<SandboxNote, 'denied' | 'commands'>, failed = true): Omit<SandboxBlock, 'time'> | undefined {
	const fields = typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {};
	if (FILE_TOOLS.has(tool)) {
		const target = typeof fields.file_path === 'string' ? fields.file_path : typeof fields.notebook_path === 'string' ? fields.notebook_path : '';
		if (!failed) {
			return undefined;
		}

		if (text.includes('blockWritesOutsideWorkingDirectories')) {
			return {tool, kind: 'write', target};
		}

		const absolute = path.resolve(typeof fields.cwd === 'string' ? fields.cwd : '/', target);
		if (text.includes('denied by your permission settings') && note.denied.some(file => absolute === file || absolute.startsWith(`${file}/`))) {
			return {tool, kind: tool === 'Read' ? 'read' : 'write', target};
		}

		return undefined;
	}

	if (tool !== 'Bash' || !note.commands) {
		return undefined;
	}

	const command = typeof fields.command === 'string' ? fields.command : '';
	const kind = WRITES.test(command) ? 'write' : 'read';
	if (failed && /Permission to use Bash with command [\s\S]* has been denied/.test(text) && !text.includes(POLICY_MARK)) {
		// claude's own check of the command against the deny rules, before the sandbox: only one that names a protected path is spool's.
		const hidden = namedPath(command, note.denied);
		return hidden === undefined ? undefined : {tool, kind, target: hidden};
	}

	// claude appends its note at the very end of the output; a file that merely quotes one (these docs) is not a block.
	const violation = /<sandbox_violations>\n(?:[^\n]*\n)*?deny network-outbound (\S+)[^\n]*\n(?:[^\n]*\n)*?<\/sandbox_violations>\s*$/.exec(text);
	if (violation) {
		return {tool, kind: 'network', target: violation[1]!};
	}

	if (failed) {
		// "x: Read-only file system" from a shell or coreutils, "Read-only file system: 'x'" from python.
		const readOnly = /Read-only file system: '([^']+)'/.exec(text) ?? /([^\s:'"`]+)'?: Read-only file system/.exec(text);
		if (readOnly || text.includes('Read-only file system')) {
			return {tool, kind: 'write', target: readOnly?.[1] ?? command.slice(0, 200)};
		}

		const hidden = /No such file or directory|Permission denied|EACCES|cannot access|cannot open/i.test(text) ? namedPath(text, note.denied) : undefined;
		if (hidden !== undefined) {
			return {tool, kind, target: hidden};
		}

		const loopback = LOOPBACK.exec(text);
		if (loopback && command.includes(loopback[1]!.replace(/[[\]]/g, ''))) {
			return {tool, kind: 'network', target: `${loopback[1]}${loopback[2] ? `:${loopback[2]}` : ''}`};
		}
	}

	// A hidden folder is an empty one inside the sandbox, and what a command writes there is thrown away with it: no error says so.
	const named = namedPath(command, note.denied);
	return named === undefined ? undefined : {tool, kind, target: named};
}

/**
 * The line of a command that never ran because claude's sandbox could not be set up, not because it was
 * blocked: bubblewrap was told to mount a file that vanished meanwhile. Seen with two runs in worktrees
 * of one repository: claude mounts /dev/null over a missing `.git/config.lock`, which makes that file
 * while one run's command runs; the other run, seeing it, mounts the file itself, and fails when it is
 * gone (anthropics/claude-code#79248, #78818). Run again, the command works.
 */
export function sandboxStartFailure(text: string): string | undefined {
	return /^bwrap: (?:Can't find source path|Can't get type of source|Can't create file at|Can't mkdir parents for)[^\n]*/m.exec(text)?.[0];
}

/** What the model is told after such a failure: it is not spool's doing, and the same command may be run again. */
export function explainStartFailure(line: string): string {
	return `The command did not run: claude's sandbox could not start (${line}). This is a known race of claude's sandbox with another run in the same repository (anthropics/claude-code#79248), not a block: run the same command again.`;
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
 * The blocks of a run, read from its stream: each tool call whose result shows one.
 * Like policy/violations.ts, it writes nothing of its own; the transcript holds what the model was told.
 */
export class BlockLog {
	readonly blocks: SandboxBlock[] = [];
	readonly #calls: ToolCalls;

	constructor(note: Pick<SandboxNote, 'denied' | 'commands'>) {
		this.#calls = new ToolCalls(({tool, input, text, failed}) => {
			const found = blockOf(tool, input, text, note, failed);
			if (found) {
				this.blocks.push({...found, target: found.target.slice(0, 500), time: new Date().toISOString()});
			}
		});
	}

	observe(event: Record<string, unknown>): void {
		this.#calls.observe(event);
	}
}
