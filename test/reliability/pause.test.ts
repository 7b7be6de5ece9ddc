import fs from 'node:fs/promises';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, FAKE_CLAUDE, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';

let api: FakeApi;
let rateLimitedRequests = 0;

beforeAll(async () => {
	api = await startFakeApi((request): ApiReply => {
		if (request.apiKey === 'sk-revoked-key') {
			return {status: 401, type: 'authentication_error', message: 'invalid x-api-key'};
		}

		if (request.apiKey === 'sk-limited-key' && rateLimitedRequests-- > 0) {
			return {status: 429, type: 'rate_limit_error', message: 'rate limited', headers: {'retry-after': '2'}};
		}

		return {text: `done: ${request.prompt}`};
	});
});

afterAll(async () => {
	await api.close();
});

async function setKey(home: string, worker: string, key: string) {
	await fs.mkdir(path.join(home, 'auth-homes', worker), {recursive: true});
	await fs.writeFile(path.join(home, 'auth-homes', worker, 'settings.json'), JSON.stringify({env: {ANTHROPIC_API_KEY: key}}));
}

const QUEUE = {lease: '2s', scanInterval: '200ms'};

describe('authentication failures pause the worker instead of burning attempts', () => {
	test('a 401 pauses claiming, keeps the task queued, shows in status, and resumes when the auth home changes', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
		await setKey(home, 'coder', 'sk-revoked-key');
		const loop = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			await dropTask(home, 'coder', 'one', {prompt: 'first'});
			await dropTask(home, 'coder', 'two', {prompt: 'second'});
			const pause = await waitFor(() => readJson(path.join(home, 'paused', 'coder.json')), 20_000, 'pause file');
			expect(pause).toMatchObject({reason: 'auth'});
			// Said once, then whose credentials and the spool command that fixes them.
			expect(pause.message).toMatch(/^API error 401: Invalid API key: the credentials of worker coder \(ANTHROPIC_API_KEY in auth-homes\/coder\/settings\.json\) were refused; run "spool login coder", or put .* in auth-homes\/coder\/settings\.json\. The pause ends when/);
			await new Promise(resolve => setTimeout(resolve, 1000));
			// Exactly one run hit the bad key; the tasks wait with no attempt counted.
			expect(api.requests.filter(request => request.apiKey === 'sk-revoked-key')).toHaveLength(2);
			expect((await fs.readdir(path.join(home, 'tasks', 'coder'))).sort()).toEqual(['one.json', 'two.json']);
			expect(await readJson(path.join(home, 'tasks', 'coder', 'one.json'))).not.toHaveProperty('attempts');
			const status = await spool(home, ['status']);
			expect(status.stdout).toMatch(/coder is paused \(auth: API error 401/);
			const log = await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8');
			expect(log).toContain('worker coder paused: API error 401');
			expect(log).not.toContain('WORKER');

			await setKey(home, 'coder', 'sk-fixed-key');
			const one = await waitFor(() => resultOf(home, 'coder', 'one'), 20_000, 'result after new credentials');
			const two = await waitFor(() => resultOf(home, 'coder', 'two'), 20_000, 'result after new credentials');
			expect(one).toMatchObject({status: 'succeeded', attempts: 1});
			expect(two).toMatchObject({status: 'succeeded', attempts: 1});
			await expect(fs.access(path.join(home, 'paused', 'coder.json'))).rejects.toThrow();
			expect(await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8')).toMatch(/"worker":"coder","reason":"auth","why":"the credentials in its auth home changed.*"msg":"pause lifted: worker coder may claim again/);
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);

	test('the CLI\'s own not-logged-in error pauses too, and spool resume lets the worker claim again', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
		const {ANTHROPIC_API_KEY: _, ...noKey} = apiEnv(api.url);
		const loop = spool(home, ['worker', 'coder'], {env: {...noKey, ANTHROPIC_API_KEY: ''}});
		try {
			await dropTask(home, 'coder', 'nokey', {prompt: 'who am I'});
			const pause = await waitFor(() => readJson(path.join(home, 'paused', 'coder.json')), 20_000, 'pause file');
			// Not claude's interactive "/login": the worker, and the spool command.
			expect(pause.message).toMatch(/^Not logged in: worker coder has no credentials; run "spool login coder", or put \{"env":\{"ANTHROPIC_API_KEY":"sk-ant-..."\}\} in auth-homes\/coder\/settings\.json\. The pause ends when its settings\.json or \.credentials\.json changes, or with "spool resume coder"$/);
			await waitFor(async () => (await fs.readdir(path.join(home, 'tasks', 'coder'))).join() === 'nokey.json', 10_000, 'task handed back');
			const resume = await spool(home, ['resume', 'coder']);
			expect(resume.stdout).toMatch(/^coder resumed \(it was paused since .*: auth: Not logged in/);
			// Still no key: it pauses again on its next claim, and still burns no attempt.
			// The pause file is written before the claim is handed back (so no other loop claims in between): wait for both.
			await waitFor(() => readJson(path.join(home, 'paused', 'coder.json')), 20_000, 'pause again');
			const handedBack = await waitFor(() => readJson(path.join(home, 'tasks', 'coder', 'nokey.json')), 10_000, 'task handed back again');
			expect(handedBack).toEqual({prompt: 'who am I'});
			const log = await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8');
			// Said at start, before any task: which worker, and how to give it credentials.
			expect(log).toContain('worker coder has no credentials, so its first task would pause it; run \\"spool login coder\\"');
			expect(log).toContain('pause lifted: worker coder may claim again (paused/coder.json was removed (spool resume coder, or by hand))');
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);
});

describe('rate and usage limits are waited out', () => {
	test('a 429 pauses only its worker for retry-after; another worker with its own auth home keeps going', async () => {
		const home = await makeHome({workers: {coder: {}, reviewer: {}}, queue: QUEUE});
		await setKey(home, 'coder', 'sk-limited-key');
		await setKey(home, 'reviewer', 'sk-other-key');
		// One CLI run makes two requests (CLAUDE_CODE_MAX_RETRIES=1), both refused; the CLI waits retry-after between them.
		rateLimitedRequests = 2;
		const up = spool(home, ['up'], {env: apiEnv(api.url)});
		try {
			await dropTask(home, 'coder', 'limited', {prompt: 'limited work'});
			const pause = await waitFor(() => readJson(path.join(home, 'paused', 'coder.json')), 20_000, 'pause file');
			expect(pause).toMatchObject({reason: 'rate-limit'});
			expect(Date.parse(pause.until) - Date.parse(pause.since)).toBeGreaterThanOrEqual(1500);
			await dropTask(home, 'reviewer', 'free', {prompt: 'other work'});
			const free = await waitFor(() => resultOf(home, 'reviewer', 'free'), 20_000, 'reviewer result');
			expect(free).toMatchObject({status: 'succeeded'});
			expect(await resultOf(home, 'coder', 'limited')).toBeUndefined();
			const limited = await waitFor(() => resultOf(home, 'coder', 'limited'), 30_000, 'coder result after the wait');
			expect(limited).toMatchObject({status: 'succeeded', attempts: 1});
			expect(Date.parse(limited.startedAt)).toBeGreaterThanOrEqual(Date.parse(pause.until));
			expect(await fs.readFile(path.join(home, 'logs', 'coder.log'), 'utf8')).toContain(`pause lifted: worker coder may claim again (the rate limit reset at ${pause.until})`);
		} finally {
			up.kill('SIGTERM');
			await up;
		}
	}, 60_000);

	test('a usage-limit rate_limit_event pauses the worker\'s account until its reset time and a margin (docs/quota.md)', async () => {
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			const resetsAt = Math.floor(Date.now() / 1000) + 3600;
			await dropTask(home, 'coder', 'usage', {prompt: `usage-limit:${resetsAt}`});
			const quotaRecord = async () => {
				const [name] = (await fs.readdir(path.join(home, 'control', 'quota')).catch(() => [])).filter(name => name.endsWith('.json'));
				const record = name ? await readJson(path.join(home, 'control', 'quota', name)) : undefined;
				return record?.pause ? record : undefined;
			};
			const record = await waitFor(quotaRecord, 20_000, 'the account\'s pause');
			expect(record.pause).toMatchObject({until: new Date(resetsAt * 1000 + 2000).toISOString(), resetsAt: new Date(resetsAt * 1000).toISOString(), worker: 'coder', message: "You've hit your 5-hour limit"});
			const handedBack = await waitFor(() => readJson(path.join(home, 'tasks', 'coder', 'usage.json')), 10_000, 'task handed back');
			expect(handedBack).toEqual({prompt: `usage-limit:${resetsAt}`});
			// The pause is the account's, not the worker's alone; spool resume ends it too, and the task runs (and pauses) again.
			await expect(fs.access(path.join(home, 'paused', 'coder.json'))).rejects.toThrow();
			const resume = await spool(home, ['resume', 'coder']);
			expect(resume.stdout).toMatch(/^coder's account \S+ resumed, for every worker of it \(it was paused since .* until .*: You've hit your 5-hour limit\)$/);
			await waitFor(async () => (await quotaRecord())?.pause.since !== record.pause.since, 20_000, 'paused again by the next run');
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);
});
