import fs from 'node:fs/promises';
import path from 'node:path';
import {createHash} from 'node:crypto';
import {parse as parseYaml} from 'yaml';

/** workflows/ID.plan.json, ID.json, ID.yaml, ID.yml: the longest suffix wins, so "x.plan.json" is "x". */
const SUFFIXES = ['.plan.json', '.json', '.yaml', '.yml'];

/** The workflow files of workflows/, grouped by the id their names give (two files may claim one id). */
export async function listWorkflowFiles(dir: string): Promise<Map<string, string[]>> {
	const byId = new Map<string, string[]>();
	for (const name of (await fs.readdir(dir).catch(() => [])).sort()) {
		const id = workflowIdOf(name);
		if (id !== undefined) {
			byId.set(id, [...(byId.get(id) ?? []), path.join(dir, name)]);
		}
	}

	return byId;
}

export function workflowIdOf(name: string): string | undefined {
	if (name.startsWith('.')) {
		return undefined;
	}

	const suffix = SUFFIXES.find(suffix => name.endsWith(suffix) && name.length > suffix.length);
	return suffix ? name.slice(0, -suffix.length) : undefined;
}

/** `ageMs`: how long the file has been unchanged; a young file that does not parse may still be being written. */
export type SourceRead = {kind: 'parsed'; raw: unknown; ageMs: number} | {kind: 'unparsable'; error: string; ageMs: number} | {kind: 'gone'};

/** Reads and parses one workflow file; JSON.parse for .json files, whose errors then read as JSON errors. */
export async function readWorkflowFile(file: string, now = Date.now()): Promise<SourceRead> {
	let text: string;
	let mtimeMs: number;
	try {
		[text, {mtimeMs}] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
	} catch {
		return {kind: 'gone'};
	}

	if (text.trim() === '') {
		return {kind: 'unparsable', error: 'the file is empty', ageMs: now - mtimeMs};
	}

	try {
		return {kind: 'parsed', raw: file.endsWith('.json') ? JSON.parse(text) : parseYaml(text), ageMs: now - mtimeMs};
	} catch (error) {
		return {kind: 'unparsable', error: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, ageMs: now - mtimeMs};
	}
}

/** Identifies the content of a workflow's files, so a rejected workflow is checked again once it is edited. */
export async function hashFiles(files: readonly string[]): Promise<string> {
	const texts = await Promise.all(files.map(async file => fs.readFile(file, 'utf8').catch(() => '')));
	return hashText(files.map((file, index) => `${path.basename(file)}\n${texts[index]}`).join('\n'));
}

export function hashText(text: string): string {
	return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
