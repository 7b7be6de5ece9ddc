import fs from 'node:fs/promises';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import type {WorkflowResult} from './summary.ts';
import type {WorkflowLayout} from './workflow-layout.ts';

export async function readWorkflowResult(layout: WorkflowLayout, id: string): Promise<WorkflowResult | undefined> {
	try {
		return JSON.parse(await fs.readFile(layout.resultFile(id), 'utf8')) as WorkflowResult;
	} catch {
		return undefined;
	}
}

/** The ids with a result in results/workflows/ (finished or rejected). */
export async function listResultIds(layout: WorkflowLayout): Promise<string[]> {
	const names = await fs.readdir(layout.results).catch(() => []);
	return names.filter(name => !name.startsWith('.') && name.endsWith('.json') && !name.endsWith('.state.json')).map(name => name.slice(0, -'.json'.length));
}

/** A rejected workflow whose file was fixed: the rejection moves to .history/ and the file is checked again. */
export async function archiveRejection(layout: WorkflowLayout, id: string): Promise<void> {
	const stamp = new Date().toISOString().replaceAll(':', '-');
	await fs.mkdir(layout.history, {recursive: true});
	for (const [file, extension] of [[layout.resultFile(id), 'json'], [layout.summaryFile(id), 'md']] as const) {
		await fs.rename(file, path.join(layout.history, `${id}.${stamp}.${extension}`)).catch(error => {
			if (!isErrnoCode(error, 'ENOENT')) {
				throw error;
			}
		});
	}
}
