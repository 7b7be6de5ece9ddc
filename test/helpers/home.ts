import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {execa} from 'execa';
import {stringify} from 'yaml';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SPOOL_BIN = path.join(ROOT, 'bin', 'spool.js');
export const CLAUDE_BIN = path.join(ROOT, 'node_modules', '.bin', 'claude');
export const FAKE_CLAUDE = path.join(ROOT, 'test', 'fixtures', 'fake-claude.mjs');

export type HomeOptions = {
	workers: Record<string, Record<string, unknown> & {systemPrompt?: string}>;
	queue?: Record<string, unknown>;
	extra?: Record<string, unknown>;
};

/** A fresh spool home in a real temp folder, with spool.yaml and one prompt file per worker. */
export async function makeHome(options: HomeOptions): Promise<string> {
	const home = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-test-')));
	const workers: Record<string, unknown> = {};
	await fs.mkdir(path.join(home, 'prompts'));
	for (const [name, {systemPrompt, ...worker}] of Object.entries(options.workers)) {
		await fs.writeFile(path.join(home, 'prompts', `${name}.md`), systemPrompt ?? `You are the ${name} worker.`);
		workers[name] = worker;
	}

	// No end-of-day report of its own (report.at, 18:00 by default) unless a test asks: one written at the
	// orchestrator's first scan after 18:00 would add a report_ready event to every test that counts events.
	// No dashboard under `spool up` either unless a test asks: every home would want port 7333.
	const config = {queue: {scanInterval: '200ms', parseGrace: '1s', drainTimeout: '5s', ...options.queue}, report: {at: null}, ui: false, ...options.extra, workers};
	await fs.writeFile(path.join(home, 'spool.yaml'), stringify(config));
	return home;
}

/** The environment that points the real claude CLI at the stand-in API, offline and quick to fail. */
export function apiEnv(apiUrl: string): Record<string, string> {
	return {
		ANTHROPIC_BASE_URL: apiUrl,
		ANTHROPIC_API_KEY: 'sk-test-from-env',
		CLAUDE_CODE_MAX_RETRIES: '1',
		DISABLE_TELEMETRY: '1',
		DISABLE_AUTOUPDATER: '1',
		CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
	};
}

/**
 * The environment of a subscription (OAuth) login against the stand-in API: no API key, a token the CLI
 * sends as `Authorization: Bearer`, so the CLI reads the rate-limit headers into rate_limit_events.
 */
export function oauthEnv(apiUrl: string, token = 'sk-ant-oat01-x'): Record<string, string> {
	const {ANTHROPIC_API_KEY: _key, ...env} = apiEnv(apiUrl);
	return {...env, ANTHROPIC_API_KEY: '', CLAUDE_CODE_OAUTH_TOKEN: token};
}

/** Runs the spool CLI as a user would: a real process. */
export function spool(home: string, args: string[], options: {env?: Record<string, string>; input?: string} = {}) {
	return execa(process.execPath, [SPOOL_BIN, ...args], {
		reject: false,
		...(options.input === undefined ? {} : {input: options.input}),
		env: {SPOOL_HOME: home, SPOOL_LOG_LEVEL: 'debug', ...options.env},
	});
}

/** Writes a task file the way an editor or `echo >` would: straight into tasks/WORKER/. */
export async function dropTask(home: string, worker: string, id: string, task: unknown): Promise<string> {
	const file = path.join(home, 'tasks', worker, `${id}.json`);
	await fs.mkdir(path.dirname(file), {recursive: true});
	await fs.writeFile(file, typeof task === 'string' ? task : JSON.stringify(task));
	return file;
}

export async function readJson<T = Record<string, any>>(file: string): Promise<T | undefined> {
	try {
		return JSON.parse(await fs.readFile(file, 'utf8')) as T;
	} catch {
		return undefined;
	}
}

export function resultOf(home: string, worker: string, id: string) {
	return readJson(path.join(home, 'results', worker, `${id}.json`));
}

/** Polls `probe` until it returns something other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T> | T, timeoutMs = 20_000, what = 'condition'): Promise<Exclude<T, undefined | false>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await probe();
		if (value !== undefined && value !== false) {
			return value as Exclude<T, undefined | false>;
		}

		if (Date.now() > deadline) {
			throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
		}

		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

export async function listDir(dir: string): Promise<string[]> {
	return (await fs.readdir(dir).catch(() => [])).sort();
}

/** What lies in the claims folder of a loop, its owner file (`.owner.json`, which says which process the loop is) left out. */
export async function listClaimsIn(dir: string): Promise<string[]> {
	return (await listDir(dir)).filter(name => name !== '.owner.json');
}

/** Every entry in every claims folder of `worker`, owner files left out. */
export async function claimsLeft(home: string, worker: string): Promise<string[]> {
	const processing = path.join(home, 'processing', worker);
	return (await Promise.all((await listDir(processing)).map(async owner => listClaimsIn(path.join(processing, owner))))).flat();
}

/** Drops one more task and waits for it to succeed: the loop kept serving after whatever came before. */
export async function expectStillServing(home: string, worker: string, id: string, options: {prompt?: string; timeoutMs?: number} = {}): Promise<void> {
	const {expect} = await import('vitest');
	await dropTask(home, worker, id, {prompt: options.prompt ?? `still serving after ${id}`});
	expect(await waitFor(() => resultOf(home, worker, id), options.timeoutMs ?? 30_000, id)).toMatchObject({status: 'succeeded'});
}
