import fs from 'node:fs/promises';
import path from 'node:path';
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
