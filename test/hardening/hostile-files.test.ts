import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {claimsLeft, dropTask, expectStillServing, FAKE_CLAUDE, listDir, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

// Issue 11, part 2, cases 2, 5 (the task file's side) and 9: entries a user (or an attacker) can put in
// tasks/ that are no task spool can run. Each is rejected with a code of its own, never opened or
// followed, and the loop keeps serving the good task dropped after it.
let home: string;
let loop: ReturnType<typeof spool>;
let log = '';
const outside = {dir: '', secret: ''};

beforeAll(async () => {
	home = await makeHome({workers: {coder: {concurrency: 2}}, queue: {parseGrace: '500ms'}});
	outside.dir = await fs.mkdtemp(path.join(path.dirname(home), 'spool-outside-'));
	outside.secret = path.join(outside.dir, 'shadow');
	await fs.writeFile(outside.secret, 'TOPSECRET-first-bytes');
	await fs.utimes(outside.secret, new Date('2020-01-01'), new Date('2020-01-01'));
	await fs.mkdir(path.join(home, 'tasks', 'coder'), {recursive: true});
	loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
	loop.stderr?.on('data', chunk => {
		log += String(chunk);
	});
	await waitFor(() => log.includes('worker loop started'), 20_000, 'the loop');
});

afterAll(async () => {
	loop.kill('SIGTERM');
	await loop;
	await fs.rm(outside.dir, {recursive: true, force: true});
});

async function everythingSpoolWrote(): Promise<string> {
	let text = '';
	for (const folder of ['results', 'rejected', 'processing', 'logs']) {
		for (const entry of await fs.readdir(path.join(home, folder), {withFileTypes: true, recursive: true}).catch(() => [])) {
			if (entry.isFile()) {
				text += await fs.readFile(path.join(entry.parentPath, entry.name), 'utf8');
			}
		}
	}

	return text;
}

describe('entries in tasks/ that are no regular file', () => {
	test('a FIFO named x.json is rejected without being opened, and the loop serves on', async () => {
		await execa('mkfifo', [path.join(home, 'tasks', 'coder', 'pipe.json')]);
		const result = await waitFor(() => resultOf(home, 'coder', 'pipe'), 20_000, 'the FIFO rejected');
		expect(result).toMatchObject({status: 'rejected', error: {code: 'not_a_file'}, rejectedFile: 'rejected/coder/pipe.json'});
		expect(result.error.message).toBe('tasks/coder/pipe.json is a FIFO, not a regular file; spool never opens it');
		expect((await fs.lstat(path.join(home, 'rejected', 'coder', 'pipe.json'))).isFIFO()).toBe(true);
		await expectStillServing(home, 'coder', 'after-fifo', {timeoutMs: 20_000});
	});

	test('a symlink to a file outside is rejected as a symlink: its target is neither read nor touched', async () => {
		await fs.symlink(outside.secret, path.join(home, 'tasks', 'coder', 'link.json'));
		const result = await waitFor(() => resultOf(home, 'coder', 'link'), 20_000, 'the symlink rejected');
		expect(result).toMatchObject({status: 'rejected', error: {code: 'not_a_file'}});
		expect(result.error.message).toBe(`tasks/coder/link.json is a symbolic link to ${JSON.stringify(outside.secret)}, not a regular file; spool never follows one`);
		expect((await fs.stat(outside.secret)).mtime.toISOString()).toBe('2020-01-01T00:00:00.000Z');
		expect((await fs.lstat(path.join(home, 'rejected', 'coder', 'link.json'))).isSymbolicLink()).toBe(true);
		expect(await everythingSpoolWrote()).not.toContain('TOPSECRET');
		await expectStillServing(home, 'coder', 'after-symlink', {timeoutMs: 20_000});
	});

	test('a relative symlink and a folder named x.json are rejected, and nothing dangles in processing/', async () => {
		await fs.writeFile(path.join(home, 'tasks', 'sibling.json'), JSON.stringify({prompt: 'never run through a link'}));
		await fs.symlink('../sibling.json', path.join(home, 'tasks', 'coder', 'relative.json'));
		await fs.mkdir(path.join(home, 'tasks', 'coder', 'folder.json'));
		expect(await waitFor(() => resultOf(home, 'coder', 'relative'), 20_000, 'relative')).toMatchObject({status: 'rejected', error: {code: 'not_a_file'}});
		expect(await waitFor(() => resultOf(home, 'coder', 'folder'), 20_000, 'folder')).toMatchObject({status: 'rejected', error: {code: 'not_a_file', message: 'tasks/coder/folder.json is a directory, not a regular file; spool never opens it'}});
		expect(await claimsLeft(home, 'coder')).toEqual([]);
		await expectStillServing(home, 'coder', 'after-links', {timeoutMs: 20_000});
	});
});

describe('task files past the limits', () => {
	test('a 600 MB task file is rejected unread, and the idle loop stays idle', async () => {
		// Sparse: 600 MB as far as stat and read are concerned, no disk used.
		await execa('truncate', ['-s', '600M', path.join(home, 'tasks', 'coder', 'giant.json')]);
		const result = await waitFor(() => resultOf(home, 'coder', 'giant'), 20_000, 'the giant file rejected');
		expect(result).toMatchObject({status: 'rejected', error: {code: 'task_too_large'}});
		expect(result.error.message).toMatch(/^tasks\/coder\/giant\.json is 600 MiB; a task file may have at most 10 MiB/);
		const ticks = async () => (await fs.readFile(`/proc/${loop.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ').slice(11, 13).reduce((sum, field) => sum + Number(field), 0);
		const before = await ticks();
		await new Promise(resolve => setTimeout(resolve, 2000));
		// Clock ticks are 10 ms: under 40 ticks in 2 s is under 20 % of a core (it was 63 %).
		expect((await ticks()) - before).toBeLessThan(40);
		await expectStillServing(home, 'coder', 'after-giant', {timeoutMs: 20_000});
	});

	test('metadata or a prompt nested 100,000 deep is rejected before claude runs, once', async () => {
		const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
		await dropTask(home, 'coder', 'deep-metadata', `{"prompt": "hi", "metadata": {"x": ${deep(100_000)}}}`);
		await dropTask(home, 'coder', 'deep-prompt', `{"prompt": ${deep(100_000)}}`);
		for (const id of ['deep-metadata', 'deep-prompt']) {
			const result = await waitFor(() => resultOf(home, 'coder', id), 20_000, id);
			expect(result).toMatchObject({status: 'rejected', attempts: 0, error: {code: 'task_too_deep'}});
			expect(result.error.message).toBe(`tasks/coder/${id}.json nests arrays and objects ${id === 'deep-metadata' ? 100_002 : 100_001} deep; a task may nest at most 64 deep`);
			expect(await fs.stat(path.join(home, 'workspaces', 'coder', id)).catch(() => undefined)).toBeUndefined();
		}

		expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([]);
		await expectStillServing(home, 'coder', 'after-deep', {timeoutMs: 20_000});
	});
});

test('a valid JSON task that is not an object is rejected as "expected an object", not as invalid JSON', async () => {
	await dropTask(home, 'coder', 'string', '"just a string"');
	await dropTask(home, 'coder', 'array', '[{"prompt": "hi"}]');
	expect(await waitFor(() => resultOf(home, 'coder', 'string'), 20_000, 'string')).toMatchObject({status: 'rejected', error: {code: 'invalid_task', message: 'the task must be a JSON object such as {"prompt": "..."}; this file holds a string ("just a string")'}});
	expect(await waitFor(() => resultOf(home, 'coder', 'array'), 20_000, 'array')).toMatchObject({status: 'rejected', error: {code: 'invalid_task', message: 'the task must be a JSON object such as {"prompt": "..."}; this file holds an array ([{"prompt":"hi"}])'}});
});

test('a FIFO or symlink where a transcript goes is neither opened nor written through; a 250-byte name is rejected', async () => {
	await fs.mkdir(path.join(home, 'results', 'coder'), {recursive: true});
	await execa('mkfifo', [path.join(home, 'results', 'coder', 'piped.jsonl')]);
	await fs.symlink(outside.secret, path.join(home, 'results', 'coder', 'linked.jsonl'));
	await dropTask(home, 'coder', 'piped', {prompt: 'hello'});
	await dropTask(home, 'coder', 'linked', {prompt: 'hello'});
	for (const id of ['piped', 'linked']) {
		expect(await waitFor(() => resultOf(home, 'coder', id), 20_000, id)).toMatchObject({status: 'succeeded'});
	}

	expect(await fs.readFile(outside.secret, 'utf8')).toBe('TOPSECRET-first-bytes');
	const long = `${'x'.repeat(245)}.json`;
	await fs.writeFile(path.join(home, 'tasks', 'coder', long), '{"prompt": "hi"}');
	const sanitized = `${'x'.repeat(100)}`;
	const result = await waitFor(() => resultOf(home, 'coder', sanitized), 20_000, 'the long name rejected');
	expect(result).toMatchObject({status: 'rejected', error: {code: 'invalid_id'}});
	expect(await fs.readFile(path.join(home, 'rejected', 'coder', long), 'utf8')).toBe('{"prompt": "hi"}');
	await expectStillServing(home, 'coder', 'after-transcripts', {timeoutMs: 20_000});
});

test('SIGTERM still stops the loop promptly after all of the above', async () => {
	await execa('mkfifo', [path.join(home, 'tasks', 'coder', 'last-pipe.json')]);
	await waitFor(() => resultOf(home, 'coder', 'last-pipe'), 20_000, 'rejected');
	const started = Date.now();
	loop.kill('SIGTERM');
	const stopped = await loop;
	expect(Date.now() - started).toBeLessThan(5000);
	expect(stopped.exitCode).toBe(0);
});
