import fs from 'node:fs/promises';
import path from 'node:path';
import type {ResultPromise} from 'execa';
import type {ApiRequest} from '../fixtures/fake-api.ts';
import {readJson, waitFor} from './home.ts';

/** True for a request of the planner: it alone runs with --json-schema, which offers the StructuredOutput tool. */
export function isPlannerRequest(request: ApiRequest): boolean {
	return request.tools.includes('StructuredOutput');
}

/** The text blocks of the newest user message: what the CLI just sent (a prompt, feedback, not a tool result). */
export function lastUserText(request: ApiRequest): string {
	const messages = (request.body.messages ?? []) as Array<{role: string; content: unknown}>;
	const last = messages.filter(message => message.role === 'user').at(-1);
	const content = last?.content;
	if (typeof content === 'string') {
		return content;
	}

	return Array.isArray(content) ? content.filter(block => block?.type === 'text' && !String(block.text).startsWith('<system-reminder>')).map(block => String(block.text)).join('\n') : '';
}

/** Everything the CLI sent in one request, as one string to search. */
export function allText(request: ApiRequest): string {
	return JSON.stringify(request.body.messages);
}

export async function writeWorkflow(home: string, name: string, content: string | Record<string, unknown>): Promise<void> {
	await fs.mkdir(path.join(home, 'workflows'), {recursive: true});
	await fs.writeFile(path.join(home, 'workflows', name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
}

export function workflowResult(home: string, id: string, timeoutMs = 45_000): Promise<Record<string, any>> {
	return waitFor<Record<string, any>>(() => readJson(path.join(home, 'results', 'workflows', `${id}.json`)), timeoutMs, `results/workflows/${id}.json`);
}

export function readState(home: string, id: string) {
	return readJson(path.join(home, 'results', 'workflows', `${id}.state.json`));
}

/** A plan in the shape the planner returns. */
export type Plan = {name?: string; description?: string; tasks: Array<Record<string, unknown>>};

/** SIGTERM, then SIGKILL if the process has not exited within `ms`: says whether SIGTERM alone stopped it, and how fast. */
export async function stopWithin(child: ResultPromise, ms: number): Promise<{stopped: boolean; ms: number}> {
	const started = Date.now();
	child.kill('SIGTERM');
	let timer: NodeJS.Timeout | undefined;
	const exited = await Promise.race([child.then(() => true, () => true), new Promise<false>(resolve => (timer = setTimeout(() => resolve(false), ms)))]);
	clearTimeout(timer);
	if (!exited) {
		child.kill('SIGKILL');
		await child.catch(() => undefined);
	}

	return {stopped: exited, ms: Date.now() - started};
}

/** The CPU time (user + system) a process has used so far, in seconds, from /proc/PID/stat. */
export async function cpuSeconds(pid: number): Promise<number> {
	const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
	// Fields after the command name, which is in parentheses and may hold spaces: utime and stime are fields 14 and 15.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
	const ticksPerSecond = 100;
	return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** The JSON lines of logs/NAME.log. */
export async function logLines(home: string, name: string): Promise<Array<Record<string, any>>> {
	const text = await fs.readFile(path.join(home, 'logs', `${name}.log`), 'utf8').catch(() => '');
	return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as Record<string, any>);
}

/** Every regular file under `dir`, symlinks not followed, skipping the paths in `except` (relative to `dir`). */
export async function listFilesUnder(dir: string, except: readonly string[] = [], root = dir): Promise<string[]> {
	const found: string[] = [];
	for (const entry of await fs.readdir(dir, {withFileTypes: true})) {
		const file = path.join(dir, entry.name);
		if (except.includes(path.relative(root, file))) {
			continue;
		}

		if (entry.isDirectory()) {
			found.push(...(await listFilesUnder(file, except, root)));
		} else if (entry.isFile()) {
			found.push(file);
		}
	}

	return found;
}
