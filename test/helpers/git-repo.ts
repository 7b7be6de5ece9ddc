import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';

const GIT_ENV = {GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com', GIT_CONFIG_NOSYSTEM: '1'};

/** Runs git in `dir` and returns its output; throws when it fails. */
export async function gitIn(dir: string, args: string[]): Promise<string> {
	const run = await execa('git', args, {cwd: dir, env: GIT_ENV, stripFinalNewline: false});
	return run.stdout;
}

/**
 * A person's repository in a real temp folder: `main` with README.md and a binary file committed, a
 * `feature` branch checked out with a commit of its own, and an uncommitted edit and an untracked file,
 * so a test can prove spool never touches the checkout.
 */
export async function makeRepo(dir: string): Promise<string> {
	await fs.mkdir(dir, {recursive: true});
	await gitIn(dir, ['init', '-q', '-b', 'main']);
	await fs.writeFile(path.join(dir, 'README.md'), 'hello\n');
	await fs.writeFile(path.join(dir, 'logo.bin'), Buffer.from([0, 1, 2, 3, 255, 0, 7]));
	await fs.writeFile(path.join(dir, '.gitignore'), 'build/\n');
	await gitIn(dir, ['add', '-A']);
	await gitIn(dir, ['commit', '-qm', 'first']);
	await gitIn(dir, ['checkout', '-qb', 'feature']);
	await fs.writeFile(path.join(dir, 'feature.txt'), 'mine\n');
	await gitIn(dir, ['add', 'feature.txt']);
	await gitIn(dir, ['commit', '-qm', 'feature work']);
	await fs.appendFile(path.join(dir, 'README.md'), 'not committed yet\n');
	await fs.writeFile(path.join(dir, 'scratch.txt'), 'untracked\n');
	return dir;
}

/** What a person would look at to see whether anything touched their checkout. */
export async function checkoutState(dir: string): Promise<Record<string, string>> {
	return {
		head: await gitIn(dir, ['rev-parse', 'HEAD']),
		branch: await gitIn(dir, ['symbolic-ref', 'HEAD']),
		status: await gitIn(dir, ['status', '--porcelain=v1', '-uall']),
		index: await gitIn(dir, ['ls-files', '-s']),
		diff: await gitIn(dir, ['diff']),
		readme: await fs.readFile(path.join(dir, 'README.md'), 'utf8'),
	};
}

/** A clean clone of `repo` at `commit`, to apply a patch to. */
export async function cloneAt(repo: string, commit: string, dir: string): Promise<string> {
	await execa('git', ['clone', '-q', '--no-checkout', repo, dir], {env: GIT_ENV});
	await gitIn(dir, ['checkout', '-q', '--detach', commit]);
	return dir;
}
