import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, dropTask, listDir, makeHome, readJson, resultOf, spool, waitFor} from './helpers/home.ts';

// One spool home and one `spool up` for every case: each drops its own files and checks what became of them.
let api: FakeApi;
let home: string;
let up: ReturnType<typeof spool>;

beforeAll(async () => {
	api = await startFakeApi(request => ({text: `ok: ${request.prompt}`}));
	home = await makeHome({workers: {coder: {concurrency: 2}}, queue: {parseGrace: '1500ms'}});
	up = spool(home, ['up'], {env: apiEnv(api.url)});
});

afterAll(async () => {
	up.kill('SIGTERM');
	await up;
	await api.close();
});

describe('bad input is rejected with an error that names the problem, and nothing is lost', () => {
	test('invalid JSON is rejected once it has stayed unchanged for the grace period', async () => {
		const started = Date.now();
		await dropTask(home, 'coder', 'broken', '{"prompt": "unterminated');
		const result = await waitFor(() => resultOf(home, 'coder', 'broken'), 20_000, 'rejection');
		expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
		expect(result).toMatchObject({status: 'rejected', error: {code: 'invalid_json'}});
		expect(result.error.message).toMatch(/^not valid JSON: /);
		expect(await fs.readFile(path.join(home, 'rejected', 'coder', 'broken.json'), 'utf8')).toBe('{"prompt": "unterminated');
	}, 30_000);

	test('a field of the wrong type is named with its bad value', async () => {
		await dropTask(home, 'coder', 'wrong-type', {prompt: 42});
		const result = await waitFor(() => resultOf(home, 'coder', 'wrong-type'), 20_000, 'rejection');
		expect(result).toMatchObject({status: 'rejected', error: {code: 'invalid_task', message: 'prompt: expected string (got 42)'}});
		expect(await readJson(path.join(home, 'rejected', 'coder', 'wrong-type.json'))).toEqual({prompt: 42});
	});

	test('an unknown field is named, so a typo is not silently ignored', async () => {
		await dropTask(home, 'coder', 'typo', {prompt: 'hi', timeOut: '5m'});
		const result = await waitFor(() => resultOf(home, 'coder', 'typo'), 20_000, 'rejection');
		expect(result.error.message).toContain('timeOut');
	});

	test('a task in a folder that names no worker is rejected and kept', async () => {
		await dropTask(home, 'nobody', 'lost', {prompt: 'hello'});
		const result = await waitFor(() => resultOf(home, 'nobody', 'lost'), 20_000, 'rejection');
		expect(result).toMatchObject({status: 'rejected', error: {code: 'unknown_worker'}});
		expect(result.error.message).toMatch(/no worker named "nobody" in .*spool\.yaml \(workers: coder\)/);
		expect(await readJson(path.join(home, 'rejected', 'nobody', 'lost.json'))).toEqual({prompt: 'hello'});
	});

	test('an unsafe id is rejected and the file kept under its own name', async () => {
		await dropTask(home, 'coder', 'two words;rm', {prompt: 'hello'});
		const result = await waitFor(() => resultOf(home, 'coder', 'two_words_rm'), 20_000, 'rejection');
		expect(result).toMatchObject({status: 'rejected', error: {code: 'invalid_id'}});
		expect(result.error.message).toContain('unsafe task id "two words;rm"');
		expect(await readJson(path.join(home, 'rejected', 'coder', 'two words;rm.json'))).toEqual({prompt: 'hello'});
	});

	test('a file written slowly in two parts is accepted, not rejected', async () => {
		const file = path.join(home, 'tasks', 'coder', 'slow.json');
		await fs.writeFile(file, '{"prompt": "written ');
		await new Promise(resolve => setTimeout(resolve, 800));
		await fs.appendFile(file, 'slowly"}');
		const result = await waitFor(() => resultOf(home, 'coder', 'slow'), 20_000, 'result');
		expect(result).toMatchObject({status: 'succeeded', result: 'ok: written slowly'});
	}, 30_000);

	test('editor debris is never touched', async () => {
		const debris = ['.task.json.swp', 'task.json~', '.#task.json', '4913', 'task.json.tmp', '.hidden.json', 'notes.txt'];
		for (const name of debris) {
			await fs.writeFile(path.join(home, 'tasks', 'coder', name), 'not a task');
		}

		await dropTask(home, 'coder', 'after-debris', {prompt: 'still works'});
		await waitFor(() => resultOf(home, 'coder', 'after-debris'), 20_000, 'result');
		await new Promise(resolve => setTimeout(resolve, 500));
		expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual([...debris].sort());
		expect((await listDir(path.join(home, 'results', 'coder'))).filter(name => name.startsWith('task') || name === '4913')).toEqual([]);
	}, 30_000);

	test('a task id used again archives the earlier result instead of losing it', async () => {
		await dropTask(home, 'coder', 'again', {prompt: 'first run'});
		await waitFor(async () => (await resultOf(home, 'coder', 'again'))?.result === 'ok: first run', 20_000, 'first result');
		await dropTask(home, 'coder', 'again', {prompt: 'second run'});
		await waitFor(async () => (await resultOf(home, 'coder', 'again'))?.result === 'ok: second run', 20_000, 'second result');
		const history = await listDir(path.join(home, 'results', 'coder', '.history'));
		expect(history.filter(name => name.startsWith('again.') && name.endsWith('.json'))).toHaveLength(1);
	}, 30_000);
});
