import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, makeHome, spool} from './helpers/home.ts';
import {listFilesUnder, stopWithin, workflowResult, writeWorkflow} from './helpers/workflows.ts';

let api: FakeApi;

beforeAll(async () => {
	// Echoes the whole prompt, so anything pasted into one would land in a result.
	api = await startFakeApi(request => ({text: `done: ${request.prompt}`}));
});

afterAll(async () => {
	await api.close();
});

const KEY = 'sk-ant-api03-NEVER-IN-A-PROMPT-5f2c9';
const STATE = 'RESULT-OF-ANOTHER-TASK-77a1';

test('context files and deliverables may not reach into auth-homes/ or spool\'s state, directly or through a symlink', async () => {
	const home = await makeHome({workers: {coder: {}}});
	await fs.mkdir(path.join(home, 'auth-homes', 'x'), {recursive: true});
	await fs.writeFile(path.join(home, 'auth-homes', 'x', 'settings.json'), JSON.stringify({env: {ANTHROPIC_API_KEY: KEY}}));
	await fs.mkdir(path.join(home, 'notes'));
	await fs.symlink('../auth-homes/x/settings.json', path.join(home, 'notes', 'link.json'));
	await fs.mkdir(path.join(home, 'results', 'coder'), {recursive: true});
	await fs.writeFile(path.join(home, 'results', 'coder', 'other.json'), JSON.stringify({result: STATE}));
	await fs.mkdir(path.join(home, 'workspaces', 'shared'), {recursive: true});
	await writeWorkflow(home, 'ctx-auth.json', {tasks: [{id: 't', worker: 'coder', prompt: 'read it', context_files: ['auth-homes/x/settings.json']}]});
	await writeWorkflow(home, 'ctx-link.json', {context_files: ['notes/link.json'], tasks: [{id: 't', worker: 'coder', prompt: 'read it'}]});
	await writeWorkflow(home, 'ctx-state.json', {tasks: [{id: 't', worker: 'coder', prompt: 'read it', context_files: ['results/coder/other.json']}]});
	await writeWorkflow(home, 'deliver.json', {cwd: 'workspaces/shared', deliverables: ['../../auth-homes/x/settings.json'], tasks: [{id: 't', worker: 'coder', prompt: 'just talk'}]});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	try {
		for (const [id, folder] of [['ctx-auth', 'auth-homes'], ['ctx-link', 'auth-homes'], ['ctx-state', 'results']] as const) {
			const result = await workflowResult(home, id, 30_000);
			expect(result).toMatchObject({status: 'failed', counts: {succeeded: 0, failed: 1, skipped: 0}});
			expect(result.tasks[0]).toMatchObject({status: 'failed', error: {code: 'context_file_unreadable'}});
			expect(result.tasks[0].error.message).toContain(`resolves into ${folder}/ of the spool home`);
			expect(result.tasks[0].error.message).toContain('whatever cwdRoots says');
		}

		const deliver = await workflowResult(home, 'deliver', 30_000);
		expect(deliver).toMatchObject({status: 'failed', counts: {succeeded: 1, failed: 0, skipped: 0}, error: {code: 'deliverable_forbidden'}});
		expect(deliver.error.message).toContain('deliverables: "../../auth-homes/x/settings.json" resolves into auth-homes/ of the spool home');
	} finally {
		await stopWithin(up, 10_000);
	}

	const leaks: string[] = [];
	for (const file of await listFilesUnder(home, [path.join('auth-homes', 'x')])) {
		const text = await fs.readFile(file, 'utf8');
		if (text.includes(KEY) || (text.includes(STATE) && !file.endsWith(path.join('results', 'coder', 'other.json')))) {
			leaks.push(path.relative(home, file));
		}
	}

	// Not in a task, a result, a transcript, a log, nor in the worker's own auth home, where claude keeps its sessions.
	expect(leaks).toEqual([]);
}, 90_000);
