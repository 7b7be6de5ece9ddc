import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {chooseAccountKey, readAccountClues, type AccountClues} from '../../src/quota/account.ts';
import {afterProbe, withObservation, withPause} from '../../src/quota/changes.ts';
import {quotaClosed} from '../../src/quota/closed.ts';
import {readRateLimitInfo} from '../../src/quota/rate-limit-info.ts';
import {gateOfAccount, planLimitPause, RESET_MARGIN_MS, windowAtReserve, type LimitClues, type LimitPause} from '../../src/quota/rules.ts';
import {emptyQuotaRecord, readQuotaRecord, type QuotaRecord, type StoredWindow} from '../../src/quota/state.ts';
import {createLayout} from '../../src/queue/layout.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();
const window = (utilization: number, resetInMs: number, status: string | null = 'allowed'): StoredWindow => ({utilization, resetsAt: at(resetInMs), status});

describe('chooseAccountKey: the account id, then the credential, then the worker', () => {
	test.each<[string, Partial<AccountClues>, string | RegExp, string]>([
		['a login names its account', {accountUuid: '0d5e3a5c-1111-4c1e-9d1e-123456789abc', credential: 'sk-ant-oat01-a'}, 'account-0d5e3a5c-1111-4c1e-9d1e-123456789abc', 'account'],
		['an odd account id is hashed before it names a file', {accountUuid: '../../etc'}, /^account-[0-9a-f]{16}$/, 'account'],
		['a token alone: its hash, never the token', {credential: 'sk-ant-oat01-a'}, /^token-[0-9a-f]{16}$/, 'token'],
		['nothing: the worker stands alone', {}, 'worker-coder', 'worker'],
	])('%s', (_name, clues, key, source) => {
		const chosen = chooseAccountKey({accountUuid: undefined, credential: undefined, worker: 'coder', ...clues});
		expect(chosen.key).toMatch(key);
		expect(chosen.source).toBe(source);
		expect(chosen.key).not.toContain('sk-ant');
	});

	test('the same token is the same account, another token another', () => {
		const key = (credential: string) => chooseAccountKey({accountUuid: undefined, credential, worker: 'w'}).key;
		expect(key('sk-ant-oat01-a')).toBe(key('sk-ant-oat01-a'));
		expect(key('sk-ant-oat01-a')).not.toBe(key('sk-ant-oat01-b'));
	});

	test('clues come from .claude.json and settings.json, settings.json env over the environment', async () => {
		const authHome = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-account-'));
		expect(readAccountClues(authHome, 'w', {CLAUDE_CODE_OAUTH_TOKEN: 'from-env'})).toEqual({accountUuid: undefined, credential: 'from-env', worker: 'w'});
		await fs.writeFile(path.join(authHome, 'settings.json'), JSON.stringify({env: {CLAUDE_CODE_OAUTH_TOKEN: 'from-settings'}}));
		await fs.writeFile(path.join(authHome, '.claude.json'), JSON.stringify({oauthAccount: {accountUuid: 'abc-123'}}));
		expect(readAccountClues(authHome, 'w', {CLAUDE_CODE_OAUTH_TOKEN: 'from-env'})).toEqual({accountUuid: 'abc-123', credential: 'from-settings', worker: 'w'});
		await fs.rm(authHome, {recursive: true});
	});
});

describe('planLimitPause: the account waits for its reset and a margin, another 429 pauses the worker', () => {
	const clues = (fields: Partial<LimitClues>): LimitClues => ({apiError: null, status: null, rateLimitType: null, resetsAt: null, retryMs: null, ...fields});
	test.each<[string, Partial<LimitClues>, LimitPause]>([
		['a usage limit with its reset', {apiError: 'usage_limit_reached', status: 'rejected', rateLimitType: 'five_hour', resetsAt: NOW + 4000}, {scope: 'account', until: NOW + 4000 + RESET_MARGIN_MS, resetsAt: NOW + 4000}],
		['a rejected event naming its window, without the api_error', {status: 'rejected', rateLimitType: 'seven_day', resetsAt: NOW + 60_000}, {scope: 'account', until: NOW + 60_000 + RESET_MARGIN_MS, resetsAt: NOW + 60_000}],
		['a usage limit without a reset time: queue.rateLimitWait', {apiError: 'usage_limit_reached', status: 'rejected', rateLimitType: 'five_hour'}, {scope: 'account', until: NOW + 2000, resetsAt: null}],
		['a reset time already past is no help: rateLimitWait', {apiError: 'usage_limit_reached', resetsAt: NOW - 10_000}, {scope: 'account', until: NOW + 2000, resetsAt: NOW - 10_000}],
		['an API key\'s 429 after retry-after: the worker, for the CLI\'s delay', {retryMs: 1500}, {scope: 'worker', until: NOW + 1500, resetsAt: null}],
		['the server\'s own throttling ("not your usage limit"): the worker', {status: 'rejected'}, {scope: 'worker', until: NOW + 2000, resetsAt: null}],
		['a rejected event with a reset but no window: the worker, until the reset', {status: 'rejected', resetsAt: NOW + 9000}, {scope: 'worker', until: NOW + 9000, resetsAt: NOW + 9000}],
	])('%s', (_name, fields, pause) => {
		expect(planLimitPause(clues(fields), NOW, 2000)).toEqual(pause);
	});
});

describe('windowAtReserve: a window at 1 - reserve closes the gate until it resets', () => {
	test.each<[string, Record<string, StoredWindow>, number, string | undefined]>([
		['below the line', {five_hour: window(0.79, 5000)}, 0.2, undefined],
		['exactly at the line (0.8 with reserve 0.2)', {five_hour: window(0.8, 5000)}, 0.2, 'five_hour'],
		['past the line', {five_hour: window(0.85, 5000)}, 0.2, 'five_hour'],
		['past the line, but the window has reset', {five_hour: window(0.85, -1)}, 0.2, undefined],
		['reserve 0: only a full window', {five_hour: window(0.99, 5000)}, 0, undefined],
		['reserve 0 and a full window', {five_hour: window(1, 5000)}, 0, 'five_hour'],
		['a rejected window, whatever its utilisation', {seven_day: window(0.5, 5000, 'rejected')}, 0.2, 'seven_day'],
		['two at the line: the later reset holds', {five_hour: window(0.9, 5000), seven_day: window(0.95, 50_000)}, 0.2, 'seven_day'],
	])('%s', (_name, windows, reserve, name) => {
		expect(windowAtReserve(windows, reserve, NOW)?.name).toBe(name);
	});
});

describe('gateOfAccount: paused, then one probe, then open', () => {
	const record = (fields: Partial<QuotaRecord>): QuotaRecord => ({...emptyQuotaRecord('account-a', 'account'), ...fields});
	const pause = (untilMs: number) => ({until: at(untilMs), since: at(-5000), message: 'limit', worker: 'coder', resetsAt: null});
	const probe = (expiresInMs: number) => ({owner: 'loop-1', worker: 'coder', task: 't', runId: 'r1', takenAt: at(-100), expiresAt: at(expiresInMs)});
	test.each<[string, QuotaRecord | undefined, string]>([
		['no record', undefined, 'open'],
		['no pause', record({}), 'open'],
		['a pause still ahead', record({pause: pause(3000)}), 'paused'],
		['a pause over, no run has gone first', record({pause: pause(-1)}), 'probe'],
		['a pause over, a run went first', record({pause: pause(-1), probe: probe(30_000)}), 'probing'],
		['a pause over, the first run\'s probe expired (its loop died)', record({pause: pause(-1), probe: probe(-1)}), 'probe'],
		['an unreadable end time ends the pause', record({pause: {...pause(0), until: 'soon'}}), 'probe'],
	])('%s → %s', (_name, value, kind) => {
		expect(gateOfAccount(value, NOW).kind).toBe(kind);
	});

	test('the gate\'s reasons: paused until the reset, a probe looked at again soon, a reserve until the reset', () => {
		expect(quotaClosed(record({pause: pause(3000)}), 0.2, NOW)).toEqual({reason: expect.stringMatching(/^account account-a hit its usage limit \(limit\): no run of it starts until 2026-12-01T12:00:03.000Z$/), until: NOW + 3000});
		expect(quotaClosed(record({pause: pause(-1), probe: probe(30_000)}), 0.2, NOW)?.until).toBe(NOW + 500);
		expect(quotaClosed(record({windows: {five_hour: window(0.85, 6000)}}), 0.2, NOW)).toEqual({reason: expect.stringContaining("five_hour window is 85 % used, at its reserve of 20 %"), until: NOW + 6000});
		expect(quotaClosed(record({windows: {five_hour: window(0.85, 6000)}}), 0.1, NOW)).toBeUndefined();
	});
});

describe('the record\'s changes', () => {
	const base = emptyQuotaRecord('account-a', 'account');
	const info = readRateLimitInfo({status: 'allowed', resetsAt: (NOW + 3_600_000) / 1000, rateLimitType: 'five_hour', isUsingOverage: false, unifiedWindows: {five_hour: {utilization: 0.3, resetsAt: (NOW + 3_600_000) / 1000, status: 'allowed'}, seven_day: {utilization: 0.1, resetsAt: (NOW + 86_400_000) / 1000, status: 'allowed'}}})!;

	test('a rate_limit_event as the CLI writes it', () => {
		expect(info).toEqual({status: 'allowed', resetsAt: NOW + 3_600_000, rateLimitType: 'five_hour', isUsingOverage: false, windows: {five_hour: {utilization: 0.3, resetsAt: NOW + 3_600_000, status: 'allowed'}, seven_day: {utilization: 0.1, resetsAt: NOW + 86_400_000, status: 'allowed'}}});
		expect(readRateLimitInfo({status: 'rejected', isUsingOverage: false})).toEqual({status: 'rejected', resetsAt: null, rateLimitType: null, isUsingOverage: false, windows: null});
	});

	test('an observation replaces the windows, unless a newer one is stored; a window still ahead that it leaves out stays', () => {
		const seen = withObservation(base, info, NOW, 'coder');
		expect(seen).toMatchObject({updatedAt: at(0), observedBy: 'coder', workers: ['coder'], status: 'allowed', windows: {five_hour: {utilization: 0.3, resetsAt: at(3_600_000)}}});
		expect(withObservation(seen, info, NOW - 1, 'reviewer')).toBe(seen);
		const later = withObservation(seen, {...info, windows: {five_hour: {utilization: 0.5, resetsAt: NOW + 3_600_000, status: 'allowed'}}}, NOW + 1, 'reviewer');
		expect(later.windows).toEqual({five_hour: {utilization: 0.5, resetsAt: at(3_600_000), status: 'allowed'}, seven_day: seen.windows.seven_day});
		expect(later.workers).toEqual(['coder', 'reviewer']);
	});

	test('a rejection without window headers marks the refusing window full until its reset', () => {
		const rejected = withObservation(base, {status: 'rejected', resetsAt: NOW + 4000, rateLimitType: 'five_hour', isUsingOverage: false, windows: null}, NOW, 'coder');
		expect(rejected.windows).toEqual({five_hour: {utilization: 1, resetsAt: at(4000), status: 'rejected'}});
	});

	test('the later of two pauses holds; a probe answered ends a pause that is over, never one still ahead', () => {
		const paused = withPause(base, {until: at(5000), since: at(0), message: 'm', worker: 'coder', resetsAt: null});
		expect(withPause(paused, {until: at(4000), since: at(1), message: 'm', worker: 'reviewer', resetsAt: null})).toBe(paused);
		expect(withPause(paused, {until: at(6000), since: at(1), message: 'm', worker: 'reviewer', resetsAt: null}).pause?.worker).toBe('reviewer');
		const probing = {...paused, probe: {owner: 'o', worker: 'coder', task: 't', runId: 'r1', takenAt: at(5000), expiresAt: at(65_000)}};
		expect(afterProbe(probing, 'r1', true, NOW + 6000)).not.toHaveProperty('pause');
		expect(afterProbe(probing, 'r1', true, NOW + 6000)).not.toHaveProperty('probe');
		expect(afterProbe(probing, 'r1', false, NOW + 6000)).toMatchObject({pause: paused.pause});
		expect(afterProbe(probing, 'r1', false, NOW + 6000)).not.toHaveProperty('probe');
		expect(afterProbe(probing, 'r1', true, NOW + 1000).pause).toEqual(paused.pause);
		expect(afterProbe(probing, 'other-run', false, NOW + 6000)).toBe(probing);
	});
});

test('a quota record is parsed on read: one written without the later `workers` field reads, a damaged one reads as none', async () => {
	const home = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-quota-'));
	const layout = createLayout(home);
	await fs.mkdir(layout.quotaRoot, {recursive: true});
	const {workers: _workers, ...older} = withObservation(emptyQuotaRecord('account-a', 'account'), readRateLimitInfo({status: 'allowed', unifiedWindows: {five_hour: {utilization: 0.4, resetsAt: NOW / 1000 + 60}}})!, NOW, 'coder');
	await fs.writeFile(layout.quotaFile('account-a'), JSON.stringify({...older, extra: 'from a later version'}));
	expect(readQuotaRecord(layout, 'account-a')).toMatchObject({version: 1, workers: [], windows: {five_hour: {utilization: 0.4}}, extra: 'from a later version'});
	await fs.writeFile(layout.quotaFile('account-b'), '{"version": 1, "windows": "no"}');
	expect(readQuotaRecord(layout, 'account-b')).toBeUndefined();
	await fs.rm(home, {recursive: true});
});
