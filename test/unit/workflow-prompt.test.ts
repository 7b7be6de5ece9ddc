import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execaSync} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {createLayout} from '../../src/queue/layout.ts';
import {buildResult} from '../../src/queue/result.ts';
import {buildTaskFile, MAX_PROMPT_BYTES} from '../../src/orchestrator/prompt.ts';
import {createState} from '../../src/orchestrator/state.ts';
import type {WorkflowTask} from '../../src/orchestrator/definition.ts';

let home: string;

beforeAll(() => {
	home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-prompt-')));
	const at = (...parts: string[]) => path.join(home, ...parts);
	for (const dir of ['notes', 'auth-homes/x', 'results/coder', 'logs']) {
		fs.mkdirSync(at(dir), {recursive: true});
	}

	fs.writeFileSync(at('notes', 'ok.md'), 'OK NOTES');
	fs.writeFileSync(at('notes', 'big.txt'), 'x'.repeat(300 * 1024));
	fs.writeFileSync(at('auth-homes', 'x', 'settings.json'), '{"apiKey": "secret"}');
	fs.symlinkSync('../auth-homes/x/settings.json', at('notes', 'link.json'));
	fs.writeFileSync(at('results', 'coder', 'other.json'), '{}');
	fs.writeFileSync(at('logs', 'orchestrator.log'), '');
	execaSync('mkfifo', [at('notes', 'pipe')]);
});

afterAll(() => {
	fs.rmSync(home, {recursive: true, force: true});
});

/** Builds task "b" of a workflow whose task "a" succeeded with `text` (and ran in `cwd`). */
async function build(b: Omit<WorkflowTask, 'id' | 'worker' | 'dependsOn'>, a: {text?: string; cwd?: string} = {}) {
	const layout = createLayout(home);
	const state = createState({id: 'w', tasks: [{id: 'a', worker: 'coder', prompt: 'do a'}, {id: 'b', worker: 'coder', dependsOn: ['a'], ...b}]}, ['workflows/w.json']);
	const result = buildResult({id: 'w--a', worker: 'coder', owner: 'o', runId: 'r', attempts: 1, startedAt: new Date()}, {status: 'succeeded', result: a.text ?? 'A-RESULT', cwd: a.cwd ?? path.join(home, 'workspaces', 'coder', 'w--a')});
	fs.writeFileSync(layout.resultFile('coder', 'w--a'), JSON.stringify(result));
	return buildTaskFile(layout, [home], state, state.workflow.tasks[1]!);
}

describe('context files: under the home or a cwd root, never in auth-homes/ or spool\'s state, regular files only', () => {
	test.each([
		['auth-homes/x/settings.json', 'context_files: "auth-homes/x/settings.json" resolves into auth-homes/ of the spool home, which holds the workers\' credentials; no task may use it, whatever cwdRoots says'],
		['notes/link.json', 'context_files: "notes/link.json" resolves into auth-homes/ of the spool home'],
		['results/coder/other.json', 'context_files: "results/coder/other.json" resolves into results/ of the spool home, which holds spool\'s own state'],
		['logs/orchestrator.log', 'resolves into logs/ of the spool home'],
		['/etc/hostname', 'context_files: "/etc/hostname" lies outside the allowed roots'],
		['notes/missing.md', 'context_files: "notes/missing.md" does not exist (looked for'],
		['notes/pipe', 'context_files: "notes/pipe" is a FIFO, not a regular file; spool never opens it'],
		['notes', 'context_files: "notes" is a directory, not a regular file'],
		['notes/big.txt', 'context_files: "notes/big.txt" is 300 KB; a context file may have at most 256 KB'],
	])('%s is refused', async (file, message) => {
		const built = await build({prompt: 'read it', context_files: [file]});
		expect(built).toMatchObject({ok: false, error: {code: 'context_file_unreadable'}});
		expect(built.ok ? '' : built.error.message).toContain(message);
	});

	test('an allowed one is pasted under its name, after the dependency results', async () => {
		const built = await build({prompt: 'read it', context_files: ['notes/ok.md']});
		expect(built.ok && built.task.prompt).toBe('read it\n\n## Results of the tasks this task depends on\n\n### a (coder)\n\nA-RESULT\n\n## Context files\n\n### notes/ok.md\n\nOK NOTES');
	});
});

describe('the built prompt has a size limit, measured before it is built', () => {
	test.each([
		['exactly the limit', MAX_PROMPT_BYTES - 2, true],
		['one byte over', MAX_PROMPT_BYTES - 1, false],
	])('a prompt of %s', async (_, length, ok) => {
		const built = await build({prompt: 'x {{tasks.a.result}}'}, {text: 'y'.repeat(length)});
		expect(built.ok).toBe(ok);
		if (built.ok) {
			expect(Buffer.byteLength(built.task.prompt)).toBe(MAX_PROMPT_BYTES);
		} else {
			expect(built.error).toMatchObject({code: 'prompt_too_large', message: expect.stringMatching(/^the prompt built for task "b" is 1\.0 MiB \(its prompt with placeholders filled in: 1\.0 MiB\); a workflow task's prompt may have at most 1 MiB/)});
		}
	});

	test('placeholders are counted in bytes, and the unused results and context files count too', async () => {
		const built = await build({prompt: 'short', context_files: ['notes/ok.md']}, {text: 'é'.repeat(MAX_PROMPT_BYTES / 2)});
		expect(built).toMatchObject({ok: false, error: {code: 'prompt_too_large'}});
		expect(built.ok ? '' : built.error.message).toContain('(its prompt with placeholders filled in: 5 bytes, the results of the tasks it depends on: 1.0 MiB, context files not read)');
	});

	test('{{tasks.ID.cwd}} may not hand on a folder in auth-homes/', async () => {
		const built = await build({prompt: 'review {{tasks.a.cwd}}'}, {cwd: path.join(home, 'auth-homes', 'x')});
		expect(built).toMatchObject({ok: false, error: {code: 'cwd_forbidden', message: expect.stringContaining('{{tasks.a.cwd}}: ')}});
	});
});

describe('placeholders and their escape', () => {
	test('a placeholder is filled in; \\{{ is a literal {{, so an escaped placeholder stays as it is written', async () => {
		const built = await build({prompt: 'use {{tasks.a.result}}; keep $\\{{ secrets.TOKEN }} and \\{{tasks.a.result}}'});
		expect(built.ok && built.task.prompt).toBe('use A-RESULT; keep ${{ secrets.TOKEN }} and {{tasks.a.result}}');
	});
});
