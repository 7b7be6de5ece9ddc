import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, test} from 'vitest';
import {findCredentials, type Credentials} from '../src/queue/credentials.ts';
import {startFakeApi} from './fixtures/fake-api.ts';
import {apiEnv, CLAUDE_BIN, dropTask, makeHome, resultOf, spool, waitFor} from './helpers/home.ts';

/** No key from the test's own environment may count for an auth home. */
const NO_KEY = {ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_OAUTH_TOKEN: ''};

type AuthCase = {name: string; files: Record<string, string>; env?: Record<string, string>; found: Credentials | undefined; askClaude?: boolean};

const CASES: AuthCase[] = [
	{name: 'an empty auth home', files: {}, found: undefined, askClaude: true},
	{name: 'a key in settings.json env', files: {'settings.json': '{"env":{"ANTHROPIC_API_KEY":"sk-x"}}'}, found: {what: 'ANTHROPIC_API_KEY', file: 'settings.json'}, askClaude: true},
	{name: 'an empty key in settings.json env', files: {'settings.json': '{"env":{"ANTHROPIC_API_KEY":""}}'}, found: undefined, askClaude: true},
	{name: 'an apiKeyHelper', files: {'settings.json': '{"apiKeyHelper":"echo sk-x"}'}, found: {what: 'apiKeyHelper', file: 'settings.json'}, askClaude: true},
	{name: 'a Console login in .claude.json', files: {'.claude.json': '{"primaryApiKey":"sk-ant-x"}'}, found: {what: 'a Console login', file: '.claude.json'}, askClaude: true},
	{name: 'a login in .credentials.json', files: {'.credentials.json': '{"claudeAiOauth":{}}'}, found: {what: 'a login', file: '.credentials.json'}},
	{name: 'a token in the environment', files: {}, env: {CLAUDE_CODE_OAUTH_TOKEN: 'tok'}, found: {what: 'CLAUDE_CODE_OAUTH_TOKEN'}},
	{name: 'a cloud provider in the environment', files: {}, env: {CLAUDE_CODE_USE_BEDROCK: '1'}, found: {what: 'CLAUDE_CODE_USE_BEDROCK'}},
	{name: 'a cloud provider turned off', files: {}, env: {CLAUDE_CODE_USE_BEDROCK: '0'}, found: undefined},
	{name: 'settings.json that is not JSON', files: {'settings.json': '{"env":'}, found: undefined},
];

describe('which credentials claude would find in an auth home', () => {
	test.each(CASES)('$name', async ({files, env, found, askClaude}) => {
		const authHome = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-auth-'));
		for (const [name, text] of Object.entries(files)) {
			await fs.writeFile(path.join(authHome, name), text);
		}

		expect(findCredentials(authHome, {...NO_KEY, ...env})).toEqual(found);
		if (askClaude) {
			// The real CLI agrees: logged in exactly when spool found credentials.
			const status = await execa(CLAUDE_BIN, ['auth', 'status', '--json'], {env: {...NO_KEY, CLAUDE_CONFIG_DIR: authHome}, reject: false});
			expect((JSON.parse(status.stdout) as {loggedIn: boolean}).loggedIn).toBe(found !== undefined);
		}
	}, 20_000);
});

describe('a worker without credentials is named at start, before any task', () => {
	test('spool up names every worker without credentials once, and how to give them some; its workers do not repeat it', async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}, tester: {}}});
		await fs.mkdir(path.join(home, 'auth-homes', 'reviewer'), {recursive: true});
		await fs.writeFile(path.join(home, 'auth-homes', 'reviewer', 'settings.json'), '{"env":{"ANTHROPIC_API_KEY":"sk-reviewer"}}');
		const up = spool(home, ['up'], {env: {...NO_KEY, SPOOL_LOG_LEVEL: 'info'}});
		let stderr = '';
		up.stderr?.on('data', chunk => {
			stderr += String(chunk);
		});
		try {
			await waitFor(() => (stderr.match(/worker loop started/g) ?? []).length === 3, 20_000, 'three worker loops');
			const lines = stderr.split('\n').filter(line => line.includes('no credentials'));
			expect(lines).toHaveLength(1);
			expect(JSON.parse(lines[0]!)).toMatchObject({
				level: 40,
				name: 'up',
				workers: ['coder', 'tester'],
				msg: expect.stringMatching(/^workers coder, tester have no credentials, so the first task of each would pause it; run "spool login coder" and "spool login tester", or put \{"env":\{"ANTHROPIC_API_KEY":"sk-ant-..."\}\} in auth-homes\/coder\/settings\.json and auth-homes\/tester\/settings\.json/),
			});
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 60_000);

	test('spool worker says it for its own worker, and nothing once it has a key', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const start = async () => {
			const loop = spool(home, ['worker', 'coder'], {env: NO_KEY});
			let stderr = '';
			loop.stderr?.on('data', chunk => {
				stderr += String(chunk);
			});
			await waitFor(() => stderr.includes('worker loop started'), 20_000, 'worker loop started');
			await new Promise(resolve => setTimeout(resolve, 200));
			loop.kill('SIGTERM');
			await loop;
			return stderr;
		};

		expect(await start()).toContain('worker coder has no credentials, so its first task would pause it; run \\"spool login coder\\", or put');
		await fs.writeFile(path.join(home, 'auth-homes', 'coder', 'settings.json'), '{"env":{"ANTHROPIC_API_KEY":"sk-coder"}}');
		expect(await start()).not.toContain('no credentials');
	}, 60_000);
});

test('the env of a worker\'s settings.json reaches its claude over spool\'s own environment (README: Credentials)', async () => {
	const api = await startFakeApi(request => ({text: request.apiKey === 'sk-coder-own' ? 'seen with the key of settings.json' : 'seen with another key'}));
	const home = await makeHome({workers: {coder: {}}});
	await fs.mkdir(path.join(home, 'auth-homes', 'coder'), {recursive: true});
	await fs.writeFile(path.join(home, 'auth-homes', 'coder', 'settings.json'), JSON.stringify({env: {ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-coder-own'}}));
	// spool's own environment names an API nobody listens on, and another key.
	const loop = spool(home, ['worker', 'coder'], {env: {...apiEnv('http://127.0.0.1:9'), ANTHROPIC_API_KEY: 'sk-from-spool'}});
	try {
		await dropTask(home, 'coder', 'where', {prompt: 'which API?'});
		expect(await waitFor(() => resultOf(home, 'coder', 'where'), 30_000, 'result')).toMatchObject({status: 'succeeded', result: 'seen with the key of settings.json'});
	} finally {
		loop.kill('SIGTERM');
		await loop;
		await api.close();
	}
}, 60_000);
