import fs from 'node:fs/promises';
import path from 'node:path';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor} from '../queue/atomic-write.ts';
import type {WorkflowLayout} from './workflow-layout.ts';

/** A workflow id made from free text: "Write a haiku!" → "write-a-haiku". */
export function slugify(text: string, maxLength = 40): string {
	const words = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
	let slug = '';
	for (const word of words) {
		const next = slug ? `${slug}-${word}` : word;
		if (next.length > maxLength) {
			break;
		}

		slug = next;
	}

	return slug || 'plan';
}

/** True when a workflow file, a state or a result already uses the id. */
export async function isWorkflowIdTaken(layout: WorkflowLayout, id: string): Promise<boolean> {
	const candidates = ['.plan.json', '.json', '.yaml', '.yml'].map(suffix => path.join(layout.workflows, `${id}${suffix}`));
	candidates.push(layout.stateFile(id), layout.resultFile(id));
	const found = await Promise.all(candidates.map(async file => fs.stat(file).then(() => true, () => false)));
	return found.some(Boolean);
}

/** `base`, or `base-2`, `base-3`... whichever is still free. */
export async function chooseFreeId(layout: WorkflowLayout, base: string): Promise<string> {
	for (let n = 1; ; n++) {
		const id = n === 1 ? base : `${base}-${n}`;
		if (!(await isWorkflowIdTaken(layout, id))) {
			return id;
		}
	}
}

/** Writes a new file, fsynced, or returns false when the name is taken: a plan never overwrites a workflow. */
export async function writeJsonExclusive(file: string, value: unknown): Promise<boolean> {
	await fs.mkdir(path.dirname(file), {recursive: true});
	const temp = tempPathFor(file);
	await fs.writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, {flag: 'wx', flush: true});
	try {
		await fs.link(temp, file);
	} catch (error) {
		if (isErrnoCode(error, 'EEXIST')) {
			return false;
		}

		throw error;
	} finally {
		await fs.rm(temp, {force: true});
	}

	await syncDirectory(path.dirname(file));
	return true;
}
