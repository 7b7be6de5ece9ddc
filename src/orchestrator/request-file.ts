import fs from 'node:fs';
import {z} from 'zod';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {writeJsonAtomic} from '../queue/atomic-write.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';
import {createWorkflowLayout} from './store.ts';

/**
 * control/workflows/ID.json: `spool cancel --workflow` and `spool retry --workflow` ask the orchestrator,
 * the one process that writes a workflow's state, to act on it at its next scan; it deletes the request
 * once done.
 */
export const workflowRequestSchema = z.looseObject({
	version: z.number().int().min(1).default(1),
	action: z.enum(['cancel', 'retry']),
	requestedAt: z.string(),
});

export type WorkflowRequest = z.output<typeof workflowRequestSchema>;

export async function requestWorkflowAction(config: Config, id: string, action: WorkflowRequest['action']): Promise<void> {
	const workflowLayout = createWorkflowLayout(config.home);
	if (!fs.existsSync(workflowLayout.stateFile(id))) {
		throw new SpoolError('workflow_not_found', `no workflow "${id}" has run: results/workflows/${id}.state.json does not exist`);
	}

	const layout = createLayout(config.home);
	fs.mkdirSync(layout.workflowRequests, {recursive: true});
	await writeJsonAtomic(layout.workflowRequest(id), {version: 1, action, requestedAt: new Date().toISOString()} satisfies WorkflowRequest);
}

/** The standing requests, by workflow id; a file that is not a request is left alone and skipped. */
export function readWorkflowRequests(layout: Layout): Map<string, WorkflowRequest> {
	const requests = new Map<string, WorkflowRequest>();
	for (const name of readdirOrEmpty(layout.workflowRequests).filter(name => !name.startsWith('.') && name.endsWith('.json'))) {
		const id = name.slice(0, -'.json'.length);
		const parsed = workflowRequestSchema.safeParse(readJsonFile(layout.workflowRequest(id)));
		if (parsed.success) {
			requests.set(id, parsed.data);
		}
	}

	return requests;
}

export function clearWorkflowRequest(layout: Layout, id: string): void {
	fs.rmSync(layout.workflowRequest(id), {force: true});
}
