import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {checkoutState, gitIn, makeRepo} from '../helpers/git-repo.ts';
import {apiEnv, dropTask, listDir, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(request => {
		const tag = /WRITE-(\w+)/.exec(request.prompt)?.[1];
		if (tag && request.toolResults === 0) {
			return {tool: 'Write', input: {file_path: `notes-${tag}.md`, content: `# ${tag}\nwritten by the Write tool\n`}};
		}

		return {text: 'done'};
	});
});

afterAll(async () => {
	await api.close();
});

test('spool review shows the saved change; spool clean removes only worktrees whose change is all in the patch', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 2}}, extra: {repos: {app: {path: '../app-of-test'}}}});
	const repo = await makeRepo(path.join(home, '..', `${path.basename(home)}-app`));
	await fs.writeFile(path.join(home, 'spool.yaml'), (await fs.readFile(path.join(home, 'spool.yaml'), 'utf8')).replace('../app-of-test', repo));
	const before = await checkoutState(repo);
	const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	try {
		for (const id of ['saved', 'dirty', 'committed', 'continued']) {
			await dropTask(home, 'coder', id, {prompt: `WRITE-${id}`, repo: 'app'});
		}

		const submitted = await spool(home, ['submit', 'coder', 'no such repo', '--repo', 'nope', '--id', 'unknown-repo']);
		expect(submitted.exitCode, submitted.stderr).toBe(0);
		const rejected = await waitFor(() => resultOf(home, 'coder', 'unknown-repo'), 40_000, 'rejected');
		expect(rejected).toMatchObject({status: 'rejected', error: {code: 'repo_invalid', message: 'repo: no repository "nope" in spool.yaml (repos: app)'}});
		for (const id of ['saved', 'dirty', 'committed', 'continued']) {
			expect(await waitFor(() => resultOf(home, 'coder', id), 40_000, id)).toMatchObject({status: 'succeeded', repo: {changedFiles: [`notes-${id}.md`], diffStat: {files: 1, insertions: 2, deletions: 0}}});
		}
	} finally {
		worker.kill('SIGTERM');
		await worker;
	}

	const review = await spool(home, ['review', 'saved']);
	expect(review.exitCode, review.stderr).toBe(0);
	expect(review.stdout).toContain('coder/saved: succeeded, repository app');
	expect(review.stdout).toContain('branch spool/coder/saved from main at');
	expect(review.stdout).toMatch(/ notes-saved\.md \| +2 \+\+\n 1 file changed, 2 insertions\(\+\)/);
	expect(review.stdout).toContain('diff --git a/notes-saved.md b/notes-saved.md\nnew file mode 100644');
	const stat = await spool(home, ['review', 'coder/saved', '--stat']);
	expect(stat.stdout).toMatch(/notes-saved\.md \| +2 \+\+/);
	expect(stat.stdout).not.toContain('diff --git');
	expect((await spool(home, ['show', 'coder/saved'])).stdout).toMatch(/patch +results\/coder\/saved\.patch/);
	const none = await spool(home, ['review', 'nothing']);
	expect(none.exitCode).toBe(1);
	expect(none.stderr).toContain('no task "nothing"');

	const ws = (id: string) => path.join(home, 'workspaces', 'coder', id);
	await fs.appendFile(path.join(ws('dirty'), 'README.md'), 'a person edited this after the run\n');
	await gitIn(ws('committed'), ['add', '-A']);
	await gitIn(ws('committed'), ['commit', '-qm', 'committed by hand']);
	await dropTask(home, 'coder', 'review-it', {prompt: 'read it', worktreeOf: 'coder/continued'});
	await new Promise(resolve => setTimeout(resolve, 1100));

	const dry = await spool(home, ['clean', '--older-than', '1s', '--dry-run']);
	expect(dry.stdout).toContain('would remove 2 worktrees');
	expect(dry.stdout).toContain(`kept workspaces/coder/dirty/: it holds changes beyond the saved results/coder/dirty.patch`);
	expect(dry.stdout).toContain('kept workspaces/coder/continued/: coder/review-it is to run in it (worktreeOf)');
	expect(await listDir(path.join(home, 'workspaces', 'coder'))).toEqual(['.committed.worktree.json', '.continued.worktree.json', '.dirty.worktree.json', '.saved.worktree.json', 'committed', 'continued', 'dirty', 'saved']);

	const clean = await spool(home, ['clean', '--older-than', '1s']);
	expect(clean.exitCode, clean.stderr).toBe(0);
	expect(clean.stdout).toContain('moved 3 results, 2 transcripts, 2 patches, 1 rejected originals (finished more than 1s ago) to archive/; removed 2 worktrees');
	expect(clean.stdout).toContain('kept branch spool/coder/committed: it has commits');
	expect(await listDir(path.join(home, 'workspaces', 'coder'))).toEqual(['.continued.worktree.json', '.dirty.worktree.json', 'continued', 'dirty']);
	expect(await listDir(path.join(home, 'results', 'coder'))).toEqual(['continued.json', 'continued.jsonl', 'continued.patch', 'dirty.json', 'dirty.jsonl', 'dirty.patch']);
	expect(await fs.readFile(path.join(home, 'archive', 'results', 'coder', 'saved.patch'), 'utf8')).toContain('+written by the Write tool');
	expect(await fs.readFile(path.join(ws('dirty'), 'README.md'), 'utf8')).toContain('a person edited this');
	expect(await gitIn(repo, ['branch', '--list', 'spool/*', '--format=%(refname:short)'])).toBe('spool/coder/committed\nspool/coder/continued\nspool/coder/dirty\n');
	expect((await gitIn(repo, ['worktree', 'list', '--porcelain'])).match(/^worktree .*/gm)).toEqual([`worktree ${repo}`, `worktree ${ws('continued')}`, `worktree ${ws('dirty')}`]);
	expect(await checkoutState(repo)).toEqual(before);
}, 90_000);
