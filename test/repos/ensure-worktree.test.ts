import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {createLayout, type Layout} from '../../src/queue/layout.ts';
import {ensureWorktree, worktreeOfTask} from '../../src/repos/worktree.ts';
import {checkoutState, gitIn, makeRepo} from '../helpers/git-repo.ts';

let root: string;
let repo: string;
let layout: Layout;

beforeEach(async () => {
	root = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-wt-')));
	repo = await makeRepo(path.join(root, 'app'));
	layout = createLayout(path.join(root, 'home'));
});

describe('ensureWorktree', () => {
	test('makes the worktree from the base, not the checked-out branch, and reuses it as it is on every later run of the id', async () => {
		const before = await checkoutState(repo);
		const first = await ensureWorktree(layout, 'coder', 't1', 'app', {path: repo, base: 'main'});
		expect('run' in first && first.run).toMatchObject({repo: 'app', repoPath: repo, branch: 'spool/coder/t1', base: 'main', baseCommit: (await gitIn(repo, ['rev-parse', 'main'])).trim()});
		const dir = layout.workspace('coder', 't1');
		await expect(fs.stat(path.join(dir, 'feature.txt'))).rejects.toThrow();
		await fs.writeFile(path.join(dir, 'work.txt'), 'in progress');
		// The base moves on meanwhile: a retry or a resumed session keeps the worktree and the commit it was made from.
		await gitIn(repo, ['branch', '-f', 'main', 'feature']);
		const again = await ensureWorktree(layout, 'coder', 't1', 'app', {path: repo, base: 'main'});
		expect(again).toEqual(first);
		expect(await fs.readFile(path.join(dir, 'work.txt'), 'utf8')).toBe('in progress');
		expect(await checkoutState(repo)).toEqual(before);
		expect(await worktreeOfTask(layout, 'coder/t1')).toEqual(first);
	});

	test('a worktree removed by hand is attached again to its branch, with what was committed there', async () => {
		const made = await ensureWorktree(layout, 'coder', 't2', 'app', {path: repo, base: 'main'});
		expect('run' in made).toBe(true);
		const dir = layout.workspace('coder', 't2');
		await gitIn(repo, ['worktree', 'remove', dir]);
		expect(await ensureWorktree(layout, 'coder', 't2', 'app', {path: repo, base: 'main'})).toEqual(made);
		expect((await gitIn(dir, ['symbolic-ref', 'HEAD'])).trim()).toBe('refs/heads/spool/coder/t2');
	});

	const cases: Array<{name: string; setup?: (dir: string) => Promise<void>; repo?: (dir: string) => string; base?: string; id?: string; message: RegExp}> = [
		{name: 'a path that does not exist', repo: () => path.join(root, 'nowhere'), message: /repository .*nowhere does not exist/},
		{name: 'a folder that is not a git repository', repo: () => root, message: /is not a git repository/},
		{name: 'a base that does not exist', base: 'no-such-branch', message: /has no base "no-such-branch"/},
		{name: 'a branch left by an earlier run of the id', setup: async () => gitIn(repo, ['branch', 'spool/coder/x']).then(() => undefined), message: /already has a branch spool\/coder\/x.*git branch -D/},
		{name: 'a workspace folder that is not a worktree', setup: async dir => fs.mkdir(dir, {recursive: true}).then(() => fs.writeFile(path.join(dir, 'f'), '')), message: /exists and is not a worktree spool made/},
		{name: 'an id git cannot take as a branch name', id: 'x.lock', message: /cannot name a git branch/},
	];
	test.each(cases)('refused with repo_invalid: $name', async ({setup, repo: repoOf, base, id = 'x', message}) => {
		await setup?.(layout.workspace('coder', id));
		const before = await checkoutState(repo);
		const made = await ensureWorktree(layout, 'coder', id, 'app', {path: repoOf?.(repo) ?? repo, base: base ?? 'main'});
		expect(made).toMatchObject({code: 'repo_invalid', message: expect.stringMatching(message)});
		expect(await checkoutState(repo)).toEqual(before);
	});

	test('worktreeOf a task that made no worktree is refused', async () => {
		expect(await worktreeOfTask(layout, 'coder/none')).toMatchObject({code: 'repo_invalid', message: expect.stringContaining('has no worktree')});
	});
});
