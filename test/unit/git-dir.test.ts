import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {gitObjectsOf} from '../../src/policy/git-dir.ts';

/*
 * gitObjectsOf finds a repository's objects without running git; these hold it against what git itself
 * says (`git rev-parse --git-common-dir`) in every shape a run's cwd can have.
 */
let root: string;
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'protocol.file.allow=always', ...args], {cwd, stdio: 'pipe', encoding: 'utf8'});

/** What git says, from `cwd`: the objects folder of the repository it is in, or undefined. */
function gitsAnswer(cwd: string): string | undefined {
	const found = spawnSync('git', ['rev-parse', '--git-common-dir'], {cwd, encoding: 'utf8', env: {PATH: process.env.PATH, HOME: root, GIT_CEILING_DIRECTORIES: path.dirname(root)}});
	return found.status === 0 ? path.join(fs.realpathSync(path.resolve(fs.realpathSync(cwd), found.stdout.trim())), 'objects') : undefined;
}

beforeAll(() => {
	root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-git-dir-')));
	const repo = path.join(root, 'repo');
	fs.mkdirSync(path.join(repo, 'src', 'deep'), {recursive: true});
	git(root, 'init', '-q', '-b', 'main', 'repo');
	fs.writeFileSync(path.join(repo, 'a.txt'), 'a');
	git(repo, 'add', 'a.txt');
	git(repo, 'commit', '-qm', 'a');
	git(repo, 'worktree', 'add', '-q', '-b', 'side', path.join(root, 'linked'));
	git(root, 'init', '-q', '--bare', 'bare.git');
	git(root, 'init', '-q', '--separate-git-dir', path.join(root, 'elsewhere.git'), 'separate');
	git(root, 'init', '-q', '-b', 'main', 'super');
	git(path.join(root, 'super'), 'submodule', 'add', '-q', repo, 'sub');
	fs.mkdirSync(path.join(root, 'plain', 'nested'), {recursive: true});
	// Not a repository: a .git folder without HEAD, and a .git file that points nowhere.
	fs.mkdirSync(path.join(root, 'broken-dir', '.git'), {recursive: true});
	fs.mkdirSync(path.join(root, 'broken-file'));
	fs.writeFileSync(path.join(root, 'broken-file', '.git'), 'gitdir: /nowhere/at/all\n');
	fs.symlinkSync(path.join(repo, 'src'), path.join(root, 'link-to-src'));
});

afterAll(() => fs.rmSync(root, {recursive: true, force: true}));

describe('gitObjectsOf finds the objects folder git would use', () => {
	test.each([
		['the top of a repository', 'repo'],
		['a folder deep inside it', 'repo/src/deep'],
		['inside its .git folder', 'repo/.git/refs'],
		['a linked worktree (its objects are the main repository’s)', 'linked'],
		['a bare repository', 'bare.git'],
		['inside a bare repository', 'bare.git/objects'],
		['a --separate-git-dir work tree', 'separate'],
		['a submodule', 'super/sub'],
		['a link into a repository', 'link-to-src'],
		['no repository at all', 'plain/nested'],
	])('%s', (_, folder) => {
		const cwd = path.join(root, folder);
		const expected = gitsAnswer(cwd);
		if (folder.startsWith('plain')) {
			expect(expected).toBeUndefined();
		} else {
			expect(expected).toBeDefined();
		}

		expect(gitObjectsOf(cwd)).toBe(expected);
	});

	test('a .git that is no git directory is passed over, as git does', () => {
		expect(gitObjectsOf(path.join(root, 'broken-dir'))).toBe(gitsAnswer(path.join(root, 'broken-dir')));
		expect(gitObjectsOf(path.join(root, 'broken-dir'))).toBeUndefined();
	});
});
