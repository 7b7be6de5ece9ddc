import fs from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {stringify} from 'yaml';
import {loadConfig} from '../../src/config/load.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {readQuotaView} from '../../src/quota/view.ts';
import {startFakeApi, type ApiReply, type ApiRequest, type FakeApi} from '../fixtures/fake-api.ts';
import {rateLimitHeaders} from '../fixtures/rate-limit-headers.ts';
import {dropTask, makeHome, oauthEnv, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';

// The real claude CLI, logged in with a subscription token (no API key), against a stand-in API that
// sends the anthropic-ratelimit-unified-* headers of a subscription, over limits of a few seconds.

const QUEUE = {lease: '5s', scanInterval: '200ms'};
const HOUR = 3_600_000;
const ACCOUNT = '7c0ffee0-aaaa-4bbb-8ccc-123456789abc';

let api: FakeApi | undefined;
let up: ReturnType<typeof spool> | undefined;

afterEach(async () => {
	up?.kill('SIGTERM');
	await up;
	await api?.close();
	up = undefined;
	api = undefined;
});

/** A reply of a subscription with plenty left: 5-hour window `utilization` used, resetting at `resetsAt`. */
function allowed(request: ApiRequest, utilization = 0.3, resetsAt = request.at + HOUR): ApiReply {
	const headers = rateLimitHeaders({status: 'allowed', fiveHour: {utilization, resetsAt}, sevenDay: {utilization: 0.1, resetsAt: request.at + 72 * HOUR}});
	return {text: `done: ${request.prompt}`, headers};
}

/** The 429 of a subscription whose 5-hour limit is reached: the CLI ends the run with usage_limit_reached. */
function rejected(request: ApiRequest, resetsAt: number | null): ApiReply {
	const windows = resetsAt === null ? {} : {fiveHour: {utilization: 1, resetsAt, status: 'rejected' as const}, sevenDay: {utilization: 0.2, resetsAt: request.at + 72 * HOUR}};
	return {status: 429, type: 'rate_limit_error', message: 'usage limit reached', headers: rateLimitHeaders({status: 'rejected', claim: 'five_hour', resetsAt, ...windows})};
}

/** Two auth homes logged into one account: the same account id in .claude.json, each with its own token. */
async function logIntoAccount(home: string, worker: string, account: string) {
	const authHome = path.join(home, 'auth-homes', worker);
	await fs.mkdir(authHome, {recursive: true});
	await fs.writeFile(path.join(authHome, '.claude.json'), JSON.stringify({oauthAccount: {accountUuid: account, emailAddress: `${worker}@example.com`}}));
	await fs.writeFile(path.join(authHome, 'settings.json'), JSON.stringify({env: {CLAUDE_CODE_OAUTH_TOKEN: `sk-ant-oat01-${worker}`}}));
}

const quotaRecord = (home: string, account: string) => readJson(path.join(home, 'control', 'quota', `${account}.json`));
const log = (home: string, worker: string) => fs.readFile(path.join(home, 'logs', `${worker}.log`), 'utf8').catch(() => '');

/** What a run measured, for docs/quota.md (QUOTA_MEASURE_FILE collects it over several runs). */
async function measure(fields: Record<string, unknown>) {
	if (process.env.QUOTA_MEASURE_FILE) {
		await fs.appendFile(process.env.QUOTA_MEASURE_FILE, `${JSON.stringify(fields)}\n`);
	}
}

describe('a subscription\'s windows', () => {
	test('each run records its account\'s windows, which readQuotaView shows; an API key\'s run records none', async () => {
		api = await startFakeApi(request => allowed(request));
		const home = await makeHome({workers: {coder: {}, keyed: {}}, queue: QUEUE});
		await fs.mkdir(path.join(home, 'auth-homes', 'keyed'), {recursive: true});
		await fs.writeFile(path.join(home, 'auth-homes', 'keyed', 'settings.json'), JSON.stringify({env: {ANTHROPIC_API_KEY: 'sk-keyed', CLAUDE_CODE_OAUTH_TOKEN: ''}}));
		const env = oauthEnv(api.url);
		up = spool(home, ['up'], {env});
		await dropTask(home, 'coder', 'sub', {prompt: 'on the subscription'});
		await dropTask(home, 'keyed', 'key', {prompt: 'on the key'});
		const sub = await waitFor(() => resultOf(home, 'coder', 'sub'), 30_000, 'subscription result');
		const key = await waitFor(() => resultOf(home, 'keyed', 'key'), 30_000, 'API-key result');
		expect(sub).toMatchObject({status: 'succeeded', costEstimated: true});
		expect(sub.costUsd).toBeGreaterThan(0);
		expect(key.status).toBe('succeeded');
		expect(key).not.toHaveProperty('costEstimated');
		expect(api.requests.find(request => request.prompt === 'on the subscription')).toMatchObject({authorization: 'Bearer sk-ant-oat01-x', apiKey: undefined});
		expect(api.requests.find(request => request.prompt === 'on the key')).toMatchObject({apiKey: 'sk-keyed'});

		const config = loadConfig(home);
		const view = await waitFor(() => {
			const seen = readQuotaView(createLayout(home), config, 'coder', Date.now(), env);
			return seen.updatedAt ? seen : undefined;
		}, 10_000, 'the windows');
		expect(view).toMatchObject({worker: 'coder', source: 'token', reserve: 0.2, observedBy: 'coder', pausedUntil: null, holdingBack: null, closed: null});
		expect(view.account).toMatch(/^token-[0-9a-f]{16}$/);
		expect(view.windows).toEqual([
			{name: 'five_hour', utilization: 0.3, resetsAt: expect.any(String), status: 'allowed', atReserve: false},
			{name: 'seven_day', utilization: 0.1, resetsAt: expect.any(String), status: 'allowed', atReserve: false},
		]);
		expect(await quotaRecord(home, view.account)).toMatchObject({version: 1, account: view.account, source: 'token', status: 'allowed', rateLimitType: 'five_hour', workers: ['coder']});
		// The same headers on an API key give no rate_limit_event: nothing to record.
		expect(readQuotaView(createLayout(home), config, 'keyed', Date.now(), env)).toMatchObject({updatedAt: null, windows: []});
		// spool status shows the windows, and says the subscription's cost is an estimate.
		const status = JSON.parse((await spool(home, ['status', '--json'], {env})).stdout) as {workers: Array<{worker: string; quota: {windows: unknown[]}; today: {estimatedUsd: number}}>};
		expect(status.workers.find(worker => worker.worker === 'coder')).toMatchObject({quota: {windows: view.windows}, today: {estimatedUsd: sub.costUsd}});
		const text = (await spool(home, ['status'], {env})).stdout;
		expect(text).toMatch(/^coder: subscription five_hour 30% \(resets .*\), seven_day 10% \(resets .*\) as of .*; reserve 0\.2$/m);
		expect(text).toContain("of today's cost was reported by subscription runs: a list-price estimate, not a bill");
	}, 60_000);

	test('a window at 1 - reserve holds the next task until it resets; a lowered reserve in spool.yaml lets it go at once', async () => {
		let resetsAt = 0;
		api = await startFakeApi(request => {
			if (request.prompt === 'first' || request.prompt === 'third') {
				resetsAt = request.at + (request.prompt === 'first' ? 6000 : HOUR);
				return allowed(request, 0.85, resetsAt);
			}

			return allowed(request, 0.1);
		});
		const home = await makeHome({workers: {coder: {}}, queue: QUEUE, extra: {quota: {reserve: 0.2}}});
		up = spool(home, ['worker', 'coder'], {env: oauthEnv(api.url)});
		await dropTask(home, 'coder', 'first', {prompt: 'first'});
		await waitFor(() => resultOf(home, 'coder', 'first'), 30_000, 'first result');
		const reset = Math.ceil(resetsAt / 1000) * 1000;
		await dropTask(home, 'coder', 'second', {prompt: 'second'});
		const second = await waitFor(() => resultOf(home, 'coder', 'second'), 30_000, 'second result');
		const request = api.requests.find(request => request.prompt === 'second')!;
		expect(second).toMatchObject({status: 'succeeded', attempts: 1});
		expect(request.at).toBeGreaterThanOrEqual(reset);
		expect(await log(home, 'coder')).toMatch(/claiming stops: account token-[0-9a-f]+'s five_hour window is 85 % used, at its reserve of 20 % \(quota.reserve\): no task starts until it resets at /);
		await measure({test: 'reserve', claimAfterResetMs: Date.parse(second.startedAt) - reset, requestAfterResetMs: request.at - reset});

		// 85 % again, an hour from its reset: held, until spool.yaml leaves only 10 % in reserve.
		await dropTask(home, 'coder', 'third', {prompt: 'third'});
		await waitFor(() => resultOf(home, 'coder', 'third'), 30_000, 'third result');
		await dropTask(home, 'coder', 'fourth', {prompt: 'fourth'});
		const holds = async () => (await log(home, 'coder')).split('\n').filter(line => line.includes('"msg":"claiming stops: ') && line.includes('five_hour window is 85 % used')).length;
		await waitFor(async () => (await holds()) === 2, 10_000, 'held again');
		expect(await resultOf(home, 'coder', 'fourth')).toBeUndefined();
		const lowered = Date.now();
		await fs.writeFile(path.join(home, 'spool.yaml'), stringify({queue: {...QUEUE, parseGrace: '1s', drainTimeout: '5s'}, quota: {reserve: 0.1}, workers: {coder: {}}}));
		const fourth = await waitFor(() => resultOf(home, 'coder', 'fourth'), 20_000, 'fourth result');
		expect(Date.parse(fourth.startedAt) - lowered).toBeLessThan(5000);
	}, 90_000);
});

describe('a usage-limit rejection', () => {
	test('pauses every worker of the account until the reset, burns no attempt, and lets one run go first when it ends', async () => {
		const reset = Math.ceil((Date.now() + 7000) / 1000) * 1000;
		api = await startFakeApi(request => (Date.now() < reset ? rejected(request, reset) : allowed(request, 0.05)));
		const home = await makeHome({workers: {coder: {}, reviewer: {}}, queue: QUEUE});
		await logIntoAccount(home, 'coder', ACCOUNT);
		await logIntoAccount(home, 'reviewer', ACCOUNT);
		up = spool(home, ['up'], {env: oauthEnv(api.url)});
		await dropTask(home, 'coder', 'first', {prompt: 'first'});
		const record = await waitFor(async () => {
			const value = await quotaRecord(home, `account-${ACCOUNT}`);
			return value?.pause ? value : undefined;
		}, 30_000, 'the account\'s pause');
		expect(record.pause).toMatchObject({until: new Date(reset + 2000).toISOString(), resetsAt: new Date(reset).toISOString(), worker: 'coder'});
		expect(record.pause.message).toMatch(/^You've hit your 5-hour limit · resets /);
		expect(record.windows.five_hour).toMatchObject({utilization: 1, status: 'rejected'});
		const pausedAt = Date.now();
		const until = Date.parse(record.pause.until);
		// While the account is paused, the other worker's tasks and the first worker's own wait.
		await dropTask(home, 'reviewer', 'second', {prompt: 'second'});
		await dropTask(home, 'coder', 'third', {prompt: 'third'});
		const view = readQuotaView(createLayout(home), loadConfig(home), 'reviewer');
		expect(view).toMatchObject({account: `account-${ACCOUNT}`, source: 'account', sharedWith: ['coder'], pausedUntil: record.pause.until});
		expect((await spool(home, ['status'])).stdout).toMatch(/^reviewer: subscription .*\n  claiming stops: .*/m);

		const results = await Promise.all(['first', 'second', 'third'].map(async (id, index) => waitFor(() => resultOf(home, index === 1 ? 'reviewer' : 'coder', id), 40_000, id)));
		for (const result of results) {
			expect(result).toMatchObject({status: 'succeeded', attempts: 1});
			expect(result).not.toHaveProperty('history');
		}

		const requests = [...api.requests].sort((a, b) => a.at - b.at);
		// One request hit the limit; none reached the API while the account was paused.
		expect(requests.filter(request => request.at < pausedAt).map(request => request.prompt)).toEqual(['first']);
		expect(requests.filter(request => request.at >= pausedAt && request.at < until)).toEqual([]);
		// When the pause ended, one run went first; the others started only once the API had answered it.
		const [probe, ...others] = requests.filter(request => request.at >= until);
		expect(others).toHaveLength(2);
		for (const other of others) {
			expect(other.at).toBeGreaterThanOrEqual(probe!.answeredAt!);
		}

		// From the pause until the API answered the first run after it: that one request, no other.
		const untilAnswered = requests.filter(request => request.at >= pausedAt && request.at <= probe!.answeredAt!);
		expect(untilAnswered).toEqual([probe]);

		const delay = probe!.at - reset;
		expect(delay).toBeLessThan(5000);
		const probeResult = results.find(result => result.task.prompt === probe!.prompt)!;
		// Claiming resumes within 5 s of the reset, in both workers (coder's second task waits for its first: concurrency 1).
		const claimsAfterReset = results.map(result => Date.parse(result.startedAt) - reset).sort((a, b) => a - b);
		for (const worker of ['coder', 'reviewer']) {
			expect(Math.min(...results.filter(result => result.worker === worker).map(result => Date.parse(result.startedAt) - reset))).toBeLessThan(5000);
		}

		await measure({test: 'rejection', requestAfterResetMs: delay, claimAfterResetMs: Date.parse(probeResult.startedAt) - reset, claimsAfterResetMs: claimsAfterReset, othersAfterResetMs: others.map(other => other.at - reset), requestsWhilePaused: requests.filter(request => request.at >= pausedAt && request.at < until).length, requestsUntilProbeAnswered: untilAnswered.length});
		expect(requests.map(request => request.authorization)).toContain('Bearer sk-ant-oat01-reviewer');
		expect(await log(home, 'reviewer')).toContain(`claiming stops: account account-${ACCOUNT} hit its usage limit`);
		expect(`${await log(home, 'coder')}${await log(home, 'reviewer')}`).toContain('the API answered the first run after its usage limit; every worker of the account may claim again');
		expect((await quotaRecord(home, `account-${ACCOUNT}`))?.pause).toBeUndefined();
	}, 90_000);

	test('a first run rejected again pauses the account again: one request per pause, however many workers wait', async () => {
		const end = Date.now() + 10_000;
		// The stand-in says the limit resets in a second, then rejects again until `end`: the worst case for a retry storm.
		api = await startFakeApi(request => (Date.now() < end ? rejected(request, request.at + 1000) : allowed(request)));
		const home = await makeHome({workers: {coder: {}, reviewer: {}}, queue: QUEUE});
		up = spool(home, ['up'], {env: oauthEnv(api.url, 'sk-ant-oat01-shared')});
		await Promise.all([dropTask(home, 'coder', 'a', {prompt: 'a'}), dropTask(home, 'reviewer', 'b', {prompt: 'b'})]);
		const results = await Promise.all([waitFor(() => resultOf(home, 'coder', 'a'), 50_000, 'a'), waitFor(() => resultOf(home, 'reviewer', 'b'), 50_000, 'b')]);
		for (const result of results) {
			expect(result).toMatchObject({status: 'succeeded', attempts: 1});
		}

		const requests = [...api.requests].sort((a, b) => a.at - b.at);
		const refused = requests.filter(request => request.at < end);
		// Both first runs may reach the API before either pause is written; after that, one at a time, a pause apart.
		const serial = refused.slice(2);
		for (const [index, request] of serial.entries()) {
			const before = index === 0 ? refused[1]! : serial[index - 1]!;
			expect(request.at - before.answeredAt!).toBeGreaterThanOrEqual(2000);
		}

		expect(refused.length).toBeLessThanOrEqual(6);
		await measure({test: 'storm', refusedRequests: refused.length, gapsMs: refused.slice(1).map((request, index) => request.at - refused[index]!.answeredAt!)});
	}, 90_000);

	test('a usage limit without a reset time pauses the account for queue.rateLimitWait', async () => {
		api = await startFakeApi(request => (request.n === 1 ? rejected(request, null) : allowed(request)));
		const home = await makeHome({workers: {coder: {}}, queue: {...QUEUE, rateLimitWait: '2s'}});
		up = spool(home, ['worker', 'coder'], {env: oauthEnv(api.url)});
		await dropTask(home, 'coder', 'once', {prompt: 'once'});
		const layout = createLayout(home);
		const record = await waitFor(async () => {
			const [name] = (await fs.readdir(layout.quotaRoot).catch(() => [])).filter(name => name.endsWith('.json'));
			const value = name ? await readJson(path.join(layout.quotaRoot, name)) : undefined;
			return value?.pause ? value : undefined;
		}, 30_000, 'the account\'s pause');
		expect(record.pause).toMatchObject({resetsAt: null, message: "You've hit your 5-hour limit", worker: 'coder'});
		expect(Date.parse(record.pause.until) - Date.parse(record.pause.since)).toBeGreaterThanOrEqual(1900);
		expect(Date.parse(record.pause.until) - Date.parse(record.pause.since)).toBeLessThan(2500);
		const result = await waitFor(() => resultOf(home, 'coder', 'once'), 30_000, 'result');
		expect(result).toMatchObject({status: 'succeeded', attempts: 1});
		expect(api.requests).toHaveLength(2);
		expect(api.requests[1]!.at).toBeGreaterThanOrEqual(Date.parse(record.pause.until));
	}, 60_000);
});
