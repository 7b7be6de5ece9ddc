import fs from 'node:fs';
import path from 'node:path';
import {createHash} from 'node:crypto';
import {parse as parseYaml} from 'yaml';
import {isErrnoCode} from '../errors.ts';
import {readdirOrEmpty, WORKFLOW_SUFFIXES} from './store.ts';

/* The files people drop: workflows/ID.yaml|.yml|.json|.plan.json and goals/NAME.md|.txt. */

/** A goal file's name: goals/NAME.md or goals/NAME.txt, not a dot-file. */
const GOAL_NAME = /^[^.].*\.(md|txt)$/;

/** The workflow files of workflows/, grouped by the id their names give (two files may claim one id). */
export function listWorkflowFiles(dir: string): Map<string, string[]> {
	const byId = new Map<string, string[]>();
	for (const name of readdirOrEmpty(dir).sort()) {
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

	const suffix = WORKFLOW_SUFFIXES.find(suffix => name.endsWith(suffix) && name.length > suffix.length);
	return suffix ? name.slice(0, -suffix.length) : undefined;
}

/** The goal files of goals/, by name. */
export function listGoalFiles(dir: string): string[] {
	return readdirOrEmpty(dir).filter(name => GOAL_NAME.test(name)).sort();
}

/** `ageMs`: how long the file has been unchanged; a young file that does not parse may still be being written. */
export type SourceRead = {kind: 'parsed'; raw: unknown; ageMs: number} | {kind: 'unparsable'; error: string; ageMs: number} | {kind: 'gone'};

/** Reads and parses one workflow file; JSON.parse for .json files, whose errors then read as JSON errors. */
export function readWorkflowFile(file: string, now = Date.now()): SourceRead {
	const read = readSourceFile(file);
	if (read.kind !== 'text') {
		return read;
	}

	const ageMs = now - read.mtimeMs;
	if (read.text.trim() === '') {
		return {kind: 'unparsable', error: 'the file is empty', ageMs};
	}

	try {
		return {kind: 'parsed', raw: file.endsWith('.json') ? JSON.parse(read.text) : parseYaml(read.text), ageMs};
	} catch (error) {
		return {kind: 'unparsable', error: `not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, ageMs};
	}
}

/** A goal's or a workflow's text, or `gone` when it is not there (any more). */
export function readSourceFile(file: string): {kind: 'text'; text: string; mtimeMs: number} | {kind: 'gone'} {
	try {
		return {kind: 'text', text: fs.readFileSync(file, 'utf8'), mtimeMs: fs.statSync(file).mtimeMs};
	} catch (error) {
		if (isErrnoCode(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) {
			return {kind: 'gone'};
		}

		throw error;
	}
}

/** Identifies the content of a workflow's or goal's files, so a rejected one is checked again once it is edited. */
export function hashFiles(files: readonly string[]): string {
	const texts = files.map(file => {
		try {
			return fs.readFileSync(file, 'utf8');
		} catch {
			return '';
		}
	});
	return hashText(files.map((file, index) => `${path.basename(file)}\n${texts[index]}`).join('\n'));
}

export function hashText(text: string): string {
	return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** When the file was last changed; undefined when there is none. */
export function changedAtMs(file: string): number | undefined {
	return fs.statSync(file, {throwIfNoEntry: false})?.mtimeMs;
}
