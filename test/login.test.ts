import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {makeHome, ROOT, spool} from './helpers/home.ts';

const PRINT_ARGS = path.join(ROOT, 'test', 'fixtures', 'print-claude-args.mjs');
/** No key from the test's own environment may leak into what a worker's auth home decides. */
const NO_KEY = {ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: '', CLAUDE_CODE_OAUTH_TOKEN: ''};

test('spool login --status asks the real claude CLI, with that worker\'s auth home and no other', async () => {
	const home = await makeHome({workers: {coder: {}, reviewer: {}}});
	await fs.mkdir(path.join(home, 'auth-homes', 'coder'), {recursive: true});
	await fs.writeFile(path.join(home, 'auth-homes', 'coder', 'settings.json'), JSON.stringify({env: {ANTHROPIC_API_KEY: 'sk-coder-key'}}));
	const coder = await spool(home, ['login', 'coder', '--status'], {env: NO_KEY});
	expect(coder.stdout).toContain('API key: ANTHROPIC_API_KEY');
	expect(coder.exitCode).toBe(0);
	const reviewer = await spool(home, ['login', 'reviewer', '--status'], {env: NO_KEY});
	expect(reviewer.stdout).toContain('Not logged in');
	expect(reviewer.exitCode).toBe(1);
}, 30_000);

test('spool login runs the CLI\'s own login, --console and setup-token with the worker\'s auth home', async () => {
	const home = await makeHome({workers: {coder: {}, reviewer: {}}});
	const env = {SPOOL_CLAUDE_BIN: PRINT_ARGS};
	const login = async (args: string[], extra: Record<string, string> = {}) => {
		const run = await spool(home, ['login', ...args], {env: {...env, ...extra}});
		expect(run.exitCode, String(run.stderr)).toBe(0);
		return JSON.parse(String(run.stdout)) as {args: string[]; configDir: string};
	};

	expect(await login(['coder'])).toEqual({args: ['auth', 'login'], configDir: path.join(home, 'auth-homes', 'coder')});
	expect((await fs.stat(path.join(home, 'auth-homes', 'coder'))).mode & 0o777).toBe(0o700);
	expect(await login(['coder', '--console'])).toMatchObject({args: ['auth', 'login', '--console']});
	expect(await login(['coder', '--token'])).toMatchObject({args: ['setup-token']});
	// In a container, SPOOL_WORKER names the worker: docker compose run --rm worker-reviewer login
	expect(await login([], {SPOOL_WORKER: 'reviewer'})).toEqual({args: ['auth', 'login'], configDir: path.join(home, 'auth-homes', 'reviewer')});
	// The orchestrator's planner has an auth home of its own.
	expect(await login(['orchestrator'])).toEqual({args: ['auth', 'login'], configDir: path.join(home, 'auth-homes', 'orchestrator')});
});

test('spool login refuses a worker that does not exist and contradictory flags', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const unknown = await spool(home, ['login', 'tester']);
	expect(unknown.exitCode).toBe(1);
	expect(unknown.stderr).toContain('no worker named "tester"');
	const both = await spool(home, ['login', 'coder', '--token', '--status']);
	expect(both.exitCode).toBe(2);
	expect(both.stderr).toContain('choose one of --console, --token and --status');
	await expect(fs.stat(path.join(home, 'auth-homes', 'tester'))).rejects.toThrow();
});
