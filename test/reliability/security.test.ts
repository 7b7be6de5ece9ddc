import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, FAKE_CLAUDE, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

const SECRET = 'sk-ant-api03-VERY-SECRET-KEY-0123456789';
const OTHER_KEY = 'sk-ant-api03-REVIEWERS-OWN-KEY-9876543210';
// Characters JSON escapes, so the password is written differently at each level of escaping.
const OTHER_PASSWORD = 'hunter2"quoted\\back/slash';
let api: FakeApi;

beforeAll(async () => {
	// The stand-in leaks the key it was sent back into its answer, and asks for a tool that prints the environment.
	api = await startFakeApi(request => {
		if (request.prompt.startsWith('leak the reviewer') && request.toolResults === 0) {
			return {tool: 'Bash', input: {command: 'cat "$SPOOL_HOME/auth-homes/reviewer/settings.json"', description: 'read another worker\'s auth home'}};
		}

		if (request.prompt.startsWith('leak the reviewer')) {
			return {text: `key ${OTHER_KEY}, password ${OTHER_PASSWORD}, as JSON ${JSON.stringify({password: OTHER_PASSWORD})}`};
		}

		if (request.prompt.startsWith('print env') && request.toolResults === 0) {
			return {tool: 'Bash', input: {command: 'echo "key is $ANTHROPIC_API_KEY"; cat "$CLAUDE_CONFIG_DIR/settings.json"', description: 'leak'}};
		}

		return {text: `the key I was sent is ${request.apiKey}`};
	});
});

afterAll(async () => {
	await api.close();
});

async function readTree(dir: string): Promise<string> {
	let text = '';
	for (const entry of await fs.readdir(dir, {withFileTypes: true, recursive: true})) {
		const file = path.join(entry.parentPath, entry.name);
		if (entry.isFile() && !file.includes(`${path.sep}auth-homes${path.sep}`)) {
			text += await fs.readFile(file, 'utf8').catch(() => '');
		}
	}

	return text;
}

describe('bad input and security', () => {
	// Redaction is the layer under the sandbox (docs/sandbox.md), which would keep these commands from the keys at all:
	// with it off, what still reaches the stream is redacted.
	test('API keys and settings.json never appear in logs, results or transcripts spool writes', async () => {
		const home = await makeHome({workers: {coder: {permissionMode: 'bypassPermissions', sandbox: {enabled: false}}}});
		await fs.mkdir(path.join(home, 'auth-homes', 'coder'), {recursive: true});
		await fs.writeFile(path.join(home, 'auth-homes', 'coder', 'settings.json'), JSON.stringify({env: {ANTHROPIC_API_KEY: SECRET}}));
		const loop = spool(home, ['worker', 'coder'], {env: {...apiEnv(api.url), IS_SANDBOX: '1'}});
		try {
			await dropTask(home, 'coder', 'echo', {prompt: 'echo the key'});
			await dropTask(home, 'coder', 'env', {prompt: 'print env and settings'});
			const echo = await waitFor(() => resultOf(home, 'coder', 'echo'), 30_000, 'result');
			const env = await waitFor(() => resultOf(home, 'coder', 'env'), 30_000, 'result');
			expect(echo.result).toBe('the key I was sent is [redacted]');
			expect(env.status).toBe('succeeded');
			expect(api.requests.some(request => request.apiKey === SECRET)).toBe(true);
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		const transcript = await fs.readFile(path.join(home, 'results', 'coder', 'env.jsonl'), 'utf8');
		expect(transcript).toContain('key is [redacted]');
		const written = await readTree(home);
		expect(written).not.toContain(SECRET);
		expect(written).not.toContain('VERY-SECRET');
		expect((await fs.stat(path.join(home, 'auth-homes', 'coder'))).mode & 0o777).toBe(0o700);
	}, 60_000);

	test("a task of one worker cannot leak another worker's credentials, raw or JSON-escaped", async () => {
		const home = await makeHome({workers: {coder: {permissionMode: 'bypassPermissions', sandbox: {enabled: false}}, reviewer: {}}});
		for (const [worker, env] of [['coder', {ANTHROPIC_API_KEY: SECRET}], ['reviewer', {ANTHROPIC_API_KEY: OTHER_KEY, DB_PASSWORD: OTHER_PASSWORD}]] as const) {
			await fs.mkdir(path.join(home, 'auth-homes', worker), {recursive: true});
			await fs.writeFile(path.join(home, 'auth-homes', worker, 'settings.json'), JSON.stringify({env}));
		}

		const loop = spool(home, ['worker', 'coder'], {env: {...apiEnv(api.url), IS_SANDBOX: '1'}});
		try {
			await dropTask(home, 'coder', 'leak', {prompt: 'leak the reviewer key'});
			const result = await waitFor(() => resultOf(home, 'coder', 'leak'), 30_000, 'result');
			expect(result).toMatchObject({status: 'succeeded', result: 'key [redacted], password [redacted], as JSON {"password":"[redacted]"}'});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}

		const transcript = await fs.readFile(path.join(home, 'results', 'coder', 'leak.jsonl'), 'utf8');
		expect(transcript).toContain('"tool_result"');
		expect(transcript).toContain('\\"DB_PASSWORD\\":\\"[redacted]\\"'); // The printed settings.json, escaped twice.
		const written = await readTree(home);
		const escaped = JSON.stringify(OTHER_PASSWORD).slice(1, -1);
		for (const form of [OTHER_KEY, OTHER_PASSWORD, escaped, JSON.stringify(escaped).slice(1, -1), 'REVIEWERS-OWN', 'hunter2']) {
			expect(written).not.toContain(form);
		}
	}, 60_000);

	test('a task cwd outside the allowed roots, or one that does not exist, is rejected', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await fs.mkdir(path.join(home, 'inside'));
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await dropTask(home, 'coder', 'escape', {prompt: 'hi', cwd: '../../etc'});
			await dropTask(home, 'coder', 'absolute', {prompt: 'hi', cwd: '/'});
			await dropTask(home, 'coder', 'missing', {prompt: 'hi', cwd: 'no/such/dir'});
			await dropTask(home, 'coder', 'fine', {prompt: 'hi', cwd: 'inside'});
			const escape = await waitFor(() => resultOf(home, 'coder', 'escape'), 20_000, 'escape');
			expect(escape).toMatchObject({status: 'rejected', error: {code: 'invalid_task'}});
			expect(escape.error.message).toMatch(/^cwd: .* lies outside the allowed roots/);
			// "/" holds the spool home, and with it every auth home.
			const absolute = await waitFor(() => resultOf(home, 'coder', 'absolute'), 20_000, 'absolute');
			expect(absolute).toMatchObject({status: 'rejected', error: {code: 'cwd_forbidden'}});
			expect(absolute.error.message).toMatch(/^cwd: "\/" is the spool home or a folder above it/);

			expect((await waitFor(() => resultOf(home, 'coder', 'missing'), 20_000, 'missing')).error.message).toBe('cwd: "no/such/dir" does not exist');
			expect(await waitFor(() => resultOf(home, 'coder', 'fine'), 20_000, 'fine')).toMatchObject({status: 'succeeded', cwd: path.join(home, 'inside')});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);

	test('a task cannot inject CLI flags through its fields', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await dropTask(home, 'coder', 'flag-model', {prompt: 'hi', model: '--dangerously-skip-permissions'});
			await dropTask(home, 'coder', 'flag-field', {prompt: 'hi', 'permission-mode': 'bypassPermissions'});
			await dropTask(home, 'coder', 'dash-prompt', {prompt: '--dangerously-skip-permissions'});
			expect((await waitFor(() => resultOf(home, 'coder', 'flag-model'), 20_000, 'result')).error.message).toContain('model: must be a model name');
			expect((await waitFor(() => resultOf(home, 'coder', 'flag-field'), 20_000, 'result')).error.message).toContain('permission-mode');
			// A prompt that looks like a flag is just a prompt: it goes on stdin.
			expect(await waitFor(() => resultOf(home, 'coder', 'dash-prompt'), 20_000, 'result')).toMatchObject({status: 'succeeded', result: 'done: --dangerously-skip-permissions'});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);

	test('huge and malformed CLI output is handled without crashing the worker', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: {maxAttempts: 1}});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			await dropTask(home, 'coder', 'huge', {prompt: 'huge output'});
			await dropTask(home, 'coder', 'truncated', {prompt: 'truncated output'});
			const huge = await waitFor(() => resultOf(home, 'coder', 'huge'), 30_000, 'result');
			expect(huge.status).toBe('succeeded');
			expect((await fs.stat(path.join(home, 'results', 'coder', 'huge.jsonl'))).size).toBeGreaterThan(8_000_000);
			const truncated = await waitFor(() => resultOf(home, 'coder', 'truncated'), 30_000, 'result');
			expect(truncated).toMatchObject({status: 'dead', error: {code: 'cli_crashed'}});
			await dropTask(home, 'coder', 'after', {prompt: 'still alive'});
			expect(await waitFor(() => resultOf(home, 'coder', 'after'), 30_000, 'result')).toMatchObject({status: 'succeeded'});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);
});
