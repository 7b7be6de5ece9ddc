import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {lastToolResult, startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {checkoutState, cloneAt, gitIn, makeRepo} from '../helpers/git-repo.ts';
import {apiEnv, dropTask, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

let api: FakeApi;
/** The tasks whose command had to be run again (the race above): noted in the output, for the record. */
const retried: string[] = [];

// Each task's first turn changes its worktree with Bash: a new file, a new binary file, an edit and a deletion.
const CHANGE = (tag: string) => `printf 'added by ${tag}\\n' > added-${tag}.txt && mkdir -p build && echo ignored > build/out.o && printf '\\000\\001bin\\377' > blob-${tag}.bin && echo '${tag} was here' >> README.md && rm logo.bin && pwd > where.txt`;

beforeAll(async () => {
	api = await startFakeApi(request => {
		const tag = /CHANGE-(\w+)/.exec(request.prompt)?.[1];
		if (tag && request.toolResults === 0) {
			return {tool: 'Bash', input: {command: CHANGE(tag), description: 'change the repository'}};
		}

		// claude's sandbox can fail to start a command while the other run's command runs in the same
		// repository (anthropics/claude-code#79248; seen in a clean-clone CI run): spool's hook tells the
		// model to run it again, and this model does, as a real one would.
		if (tag && request.toolResults < 3 && lastToolResult(request).includes("bwrap: Can't") && JSON.stringify(request.body).includes('run the same command again')) {
			retried.push(tag);
			return {tool: 'Bash', input: {command: CHANGE(tag), description: 'change the repository, again'}};
		}

		return {text: 'done'};
	});
});

afterAll(async () => {
	await api.close();
});

test('two tasks on one repository run at once in worktrees of their own; the checkout is untouched; each patch applies to the base', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 2, permissionMode: 'bypassPermissions'}}, extra: {repos: {app: {path: '../app', base: 'main'}}}});
	const repo = await makeRepo(path.join(path.dirname(home), `${path.basename(home)}-app`));
	await fs.writeFile(path.join(home, 'spool.yaml'), (await fs.readFile(path.join(home, 'spool.yaml'), 'utf8')).replace('../app', repo));
	const before = await checkoutState(repo);
	const base = (await gitIn(repo, ['rev-parse', 'main'])).trim();
	const worker = spool(home, ['worker', 'coder'], {env: {...apiEnv(api.url), IS_SANDBOX: '1'}});
	try {
		await dropTask(home, 'coder', 'one', {prompt: 'CHANGE-one', repo: 'app'});
		await dropTask(home, 'coder', 'two', {prompt: 'CHANGE-two', repo: 'app'});
		const results = [await waitFor(() => resultOf(home, 'coder', 'one'), 40_000, 'one'), await waitFor(() => resultOf(home, 'coder', 'two'), 40_000, 'two')];
		for (const [index, tag] of ['one', 'two'].entries()) {
			const result = results[index]!;
			const worktree = path.join(home, 'workspaces', 'coder', tag);
			expect(result.status, JSON.stringify(result.error)).toBe('succeeded');
			expect(result.cwd).toBe(worktree);
			expect(result.repo).toEqual({
				name: 'app', path: repo, worktree, branch: `spool/coder/${tag}`, base: 'main', baseCommit: base,
				changedFiles: ['README.md', `added-${tag}.txt`, `blob-${tag}.bin`, 'logo.bin', 'where.txt'].sort(),
				diffStat: {files: 5, insertions: 3, deletions: 0},
				patch: `results/coder/${tag}.patch`,
			});
			expect((await fs.readFile(path.join(worktree, 'where.txt'), 'utf8')).trim()).toBe(worktree);
			expect((await gitIn(worktree, ['symbolic-ref', 'HEAD'])).trim()).toBe(`refs/heads/spool/coder/${tag}`);
			// Nothing was committed, and the worktree's own index is as git worktree add left it.
			expect((await gitIn(worktree, ['rev-parse', 'HEAD'])).trim()).toBe(base);
			expect(await gitIn(worktree, ['diff', '--cached', '--name-only'])).toBe('');
			const clone = await cloneAt(repo, base, path.join(path.dirname(home), `${path.basename(home)}-clone-${tag}`));
			const patch = path.join(home, 'results', 'coder', `${tag}.patch`);
			await gitIn(clone, ['apply', '--check', patch]);
			await gitIn(clone, ['apply', patch]);
			expect(await fs.readFile(path.join(clone, `blob-${tag}.bin`))).toEqual(Buffer.from([0, 1, 0x62, 0x69, 0x6e, 255]));
			expect(await fs.readFile(path.join(clone, 'README.md'), 'utf8')).toBe(`hello\n${tag} was here\n`);
			await expect(fs.stat(path.join(clone, 'logo.bin'))).rejects.toThrow();
			await expect(fs.stat(path.join(clone, 'build'))).rejects.toThrow();
		}

		if (retried.length > 0) {
			console.log(`claude's sandbox failed to start a command of ${retried.join(', ')}; run again, it worked`);
		}

		expect(await checkoutState(repo)).toEqual(before);
		expect(await gitIn(repo, ['branch', '--list', 'spool/*', '--format=%(refname:short)'])).toBe('spool/coder/one\nspool/coder/two\n');
	} finally {
		worker.kill('SIGTERM');
		await worker;
	}
}, 90_000);

test('a retried repo task runs again in the same worktree, with what its failed attempt wrote there', async () => {
	const home = await makeHome({workers: {coder: {}}, queue: {retryBackoff: '100ms', retryBackoffMax: '100ms'}, extra: {repos: {app: {path: 'app'}}}});
	const repo = await makeRepo(path.join(home, 'app'));
	const before = await checkoutState(repo);
	let failed = 0;
	const flaky = await startFakeApi(request => {
		if (request.toolResults === 0 && failed === 0) {
			return {tool: 'Write', input: {file_path: 'first-attempt.txt', content: 'from attempt 1\n'}};
		}

		if (failed < 2) {
			failed++;
			return {status: 529, type: 'overloaded_error', message: 'overloaded'};
		}

		return {text: 'done'};
	});
	const worker = spool(home, ['worker', 'coder'], {env: apiEnv(flaky.url)});
	try {
		await dropTask(home, 'coder', 'flaky', {prompt: 'write and fail', repo: 'app', deliverables: ['first-attempt.txt']});
		const result = await waitFor(() => resultOf(home, 'coder', 'flaky'), 40_000, 'flaky');
		expect(result).toMatchObject({status: 'succeeded', attempts: 2, history: [{error: {code: 'api_unavailable'}}], repo: {changedFiles: ['first-attempt.txt'], branch: 'spool/coder/flaky'}});
		expect(await checkoutState(repo)).toEqual(before);
	} finally {
		worker.kill('SIGTERM');
		await worker;
		await flaky.close();
	}
}, 60_000);
