import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {dropTask, FAKE_CLAUDE, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

// Issue 11, part 2, case 1: a task's cwd never resolves, directly or through a symlink, into an auth home
// or spool's own state, whatever cwdRoots says (the default ["."] holds them all).
test('a task cwd in auth-homes/, in a state folder, through a symlink, or the home itself is refused before claude runs', async () => {
	const home = await makeHome({workers: {coder: {}, reviewer: {}}});
	const settings = path.join(home, 'auth-homes', 'reviewer', 'settings.json');
	await fs.mkdir(path.dirname(settings), {recursive: true});
	await fs.writeFile(settings, JSON.stringify({env: {ANTHROPIC_API_KEY: 'sk-reviewer-key-0123456789'}}));
	await fs.mkdir(path.join(home, 'results', 'coder'), {recursive: true});
	await fs.mkdir(path.join(home, 'repo'));
	await fs.symlink(path.join(home, 'auth-homes', 'reviewer'), path.join(home, 'repo', 'sneaky'));
	const runs = path.join(home, 'runs.jsonl');
	const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE, FAKE_CLAUDE_LOG: runs}});
	try {
		const cases = {
			'auth-home': ['auth-homes/reviewer', 'resolves into auth-homes/ of the spool home, which holds the workers\' credentials'],
			'via-symlink': ['repo/sneaky', 'resolves into auth-homes/ of the spool home'],
			results: ['results/coder', "resolves into results/ of the spool home, which holds spool's own state"],
			home: ['.', 'is the spool home or a folder above it'],
		} as const;
		for (const [id, [cwd]] of Object.entries(cases)) {
			await dropTask(home, 'coder', id, {prompt: 'rewrite settings.json', cwd});
		}

		for (const [id, [cwd, why]] of Object.entries(cases)) {
			const result = await waitFor(() => resultOf(home, 'coder', id), 20_000, id);
			expect(result).toMatchObject({status: 'rejected', error: {code: 'cwd_forbidden'}});
			expect(result.error.message).toContain(`cwd: ${JSON.stringify(cwd)} ${why}`);
		}

		// A deliverable's existence alone would tell a task what lies in another worker's auth home.
		await dropTask(home, 'coder', 'probe', {prompt: 'hi', deliverables: ['../../../auth-homes/reviewer/settings.json']});
		const probe = await waitFor(() => resultOf(home, 'coder', 'probe'), 20_000, 'probe');
		expect(probe).toMatchObject({status: 'failed', error: {code: 'deliverable_forbidden'}});
		expect(probe.error.message).toContain('deliverables: "../../../auth-homes/reviewer/settings.json" resolves into auth-homes/');
		await dropTask(home, 'coder', 'fine', {prompt: 'hi', cwd: 'repo'});
		expect(await waitFor(() => resultOf(home, 'coder', 'fine'), 20_000, 'fine')).toMatchObject({status: 'succeeded', cwd: path.join(home, 'repo')});
		expect((await fs.readFile(runs, 'utf8')).trim().split('\n')).toHaveLength(2);
	} finally {
		loop.kill('SIGTERM');
		await loop;
	}
}, 60_000);
