import fs from 'node:fs';
import path from 'node:path';
import {createHash} from 'node:crypto';
import {parse as parseYaml} from 'yaml';
import {WORKFLOW_SUFFIXES} from './store.ts';
import {describeNotRegular, readdirOrEmpty, readLinkTarget, readRegularFile} from '../queue/read-file.ts';
import {formatBytes, TASK_LIMITS} from '../queue/task-limits.ts';

/*
 * The files people drop: workflows/ID.yaml|.yml|.json|.plan.json and goals/NAME.md|.txt. spool never
 * follows a symlink or opens a FIFO or device it finds there by name: such an entry is rejected by
 * name, once, and never opened (store.ts's readRegularFile).
 */

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

/**
 * `ageMs`: how long the file has been unchanged; a young file that does not parse may still be being
 * written. `refused`: not a regular file, with the one-line problem that says so.
 */
export type SourceRead =
	| {kind: 'parsed'; raw: unknown; ageMs: number}
	| {kind: 'unparsable'; error: string; ageMs: number}
	| {kind: 'refused'; problem: string}
	| {kind: 'gone'};

/** Reads and parses one workflow file; JSON.parse for .json files, whose errors then read as JSON errors. `shown` names it in a problem. */
export function readWorkflowFile(file: string, shown: string, now = Date.now()): SourceRead {
	const read = readSourceFile(file, shown);
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

/** A workflow or goal larger than this is a mistake (a log, a data set), and is refused unread: the same as a task file. */
const MAX_SOURCE_BYTES = TASK_LIMITS.maxBytes;

/** A goal's or a workflow's text, or why it is not read. */
export function readSourceFile(file: string, shown: string): {kind: 'text'; text: string; mtimeMs: number} | {kind: 'refused'; problem: string} | {kind: 'gone'} {
	const read = readRegularFile(file, {maxBytes: MAX_SOURCE_BYTES});
	switch (read.kind) {
		case 'file': {
			return {kind: 'text', text: read.text, mtimeMs: read.mtimeMs};
		}

		case 'not-regular': {
			return {kind: 'refused', problem: describeNotRegular(shown, read.entry)};
		}

		case 'missing': {
			return {kind: 'gone'};
		}

		default: {
			return {kind: 'refused', problem: `${shown} is ${formatBytes(read.size)}; a workflow or goal file may have at most ${formatBytes(MAX_SOURCE_BYTES)}`};
		}
	}
}

/**
 * Identifies what a workflow's or goal's files hold, so a rejected one is checked again once it is
 * edited. An entry that is not a regular file counts by its kind (and a symlink by its target's name),
 * never by what it points at.
 */
export function hashFiles(files: readonly string[]): string {
	const parts = files.map(file => {
		const read = readRegularFile(file, {maxBytes: MAX_SOURCE_BYTES});
		const content = read.kind === 'file' ? read.text : read.kind === 'too-large' ? `<${read.size} bytes, ${read.mtimeMs}>` : read.kind === 'not-regular' ? `<${read.entry}${read.entry === 'symbolic link' ? ` ${readLinkTarget(file) ?? ''}` : ''}>` : '';
		return `${path.basename(file)}\n${content}`;
	});
	return hashText(parts.join('\n'));
}

export function hashText(text: string): string {
	return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** When the entry at `file` was last changed, without following a symlink; undefined when there is none. */
export function changedAtMs(file: string): number | undefined {
	try {
		return fs.lstatSync(file).mtimeMs;
	} catch {
		return undefined;
	}
}
