import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {createLayout} from '../../src/queue/layout.ts';
import {planChanges} from '../../src/ui/change-plan.ts';
import {checkAction, checkHost, type RequestFacts} from '../../src/ui/guard.ts';
import {matchesQuery, pageBounds, parseTaskQuery, type TaskSummary} from '../../src/ui/task-query.ts';
import {readOrCreateToken, tokenMatches} from '../../src/ui/token.ts';
import {LINE_BYTES, readTranscriptChunk} from '../../src/ui/transcript-chunk.ts';

const TOKEN = 'a'.repeat(43);
const own: RequestFacts = {host: '127.0.0.1:7333', contentType: 'application/json', authorization: `Bearer ${TOKEN}`};

describe('which actions are taken', () => {
	test.each<[string, RequestFacts, string | undefined]>([
		['the page itself', {...own, origin: 'http://127.0.0.1:7333', secFetchSite: 'same-origin'}, undefined],
		['a script (no Origin, no Sec-Fetch-Site)', own, undefined],
		['charset after the type', {...own, contentType: 'application/json; charset=utf-8'}, undefined],
		['another site, by Sec-Fetch-Site', {...own, secFetchSite: 'cross-site'}, 'cross_site'],
		['a sibling site', {...own, secFetchSite: 'same-site'}, 'cross_site'],
		['another origin', {...own, origin: 'http://evil.example'}, 'cross_origin'],
		['the same host on another port', {...own, origin: 'http://127.0.0.1:8000'}, 'cross_origin'],
		['no token', {...own, authorization: undefined}, 'token_missing'],
		['a token in another scheme', {...own, authorization: `Basic ${TOKEN}`}, 'token_missing'],
		['a wrong token', {...own, authorization: `Bearer ${'b'.repeat(43)}`}, 'token_wrong'],
		['a short token', {...own, authorization: 'Bearer abc'}, 'token_wrong'],
		['a form post', {...own, contentType: 'application/x-www-form-urlencoded'}, 'json_required'],
		['text/plain (a no-preflight fetch)', {...own, contentType: 'text/plain'}, 'json_required'],
		['no content type', {...own, contentType: undefined}, 'json_required'],
	])('%s', (_name, facts, code) => {
		expect(checkAction(facts, TOKEN)?.code).toBe(code);
	});

	test.each<[string | undefined, boolean]>([
		['127.0.0.1:7333', true],
		['localhost:7333', true],
		['LOCALHOST', true],
		['[::1]:7333', true],
		['10.1.2.3:7333', true],
		['box.local:7333', true],
		['dash.localhost', true],
		['evil.example', false],
		['evil.example:7333', false],
		['', false],
		[undefined, false],
	])('Host %s allowed: %s', (host, allowed) => {
		expect(checkHost(host, ['box.local']) === undefined).toBe(allowed);
	});

	test('tokens compare whole', () => {
		expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
		expect(tokenMatches(TOKEN.slice(1), TOKEN)).toBe(false);
		expect(tokenMatches(undefined, TOKEN)).toBe(false);
	});
});

describe('the token file', () => {
	test('made once with mode 0600, then reused; narrowed back when widened; a link or junk is refused', async () => {
		const home = await fsp.mkdtemp(path.join(os.tmpdir(), 'spool-ui-token-'));
		const layout = createLayout(home);
		const token = readOrCreateToken(layout);
		expect(token).toMatch(/^[\w-]{43}$/);
		expect(fs.statSync(layout.uiTokenFile).mode & 0o777).toBe(0o600);
		expect(readOrCreateToken(layout)).toBe(token);
		fs.chmodSync(layout.uiTokenFile, 0o644);
		expect(readOrCreateToken(layout)).toBe(token);
		expect(fs.statSync(layout.uiTokenFile).mode & 0o777).toBe(0o600);
		fs.writeFileSync(layout.uiTokenFile, 'not a token');
		expect(() => readOrCreateToken(layout)).toThrow(/ui-token holds no token/);
		fs.rmSync(layout.uiTokenFile);
		fs.symlinkSync('/etc/passwd', layout.uiTokenFile);
		expect(() => readOrCreateToken(layout)).toThrow(/is a symbolic link; remove it/);
	});
});

describe('the Tasks query', () => {
	const workers = ['coder', 'reviewer'];
	test('reads its parameters, and names a bad one with what it takes', () => {
		expect(parseTaskQuery(new URLSearchParams(''), workers)).toEqual({page: 1, pageSize: 50});
		expect(parseTaskQuery(new URLSearchParams('worker=coder&state=failed&workflow=wf&q=%20x%20&page=3&pageSize=10'), workers)).toEqual({worker: 'coder', state: 'failed', workflow: 'wf', q: 'x', page: 3, pageSize: 10});
		expect(parseTaskQuery(new URLSearchParams('worker=&state=&q='), workers)).toEqual({page: 1, pageSize: 50});
		expect(() => parseTaskQuery(new URLSearchParams('worker=nobody'), workers)).toThrow('?worker= takes a worker of spool.yaml (coder, reviewer); got "nobody"');
		expect(() => parseTaskQuery(new URLSearchParams('state=done'), workers)).toThrow(/\?state= takes one of pending, delayed, running/);
		expect(() => parseTaskQuery(new URLSearchParams('page=0'), workers)).toThrow('?page= takes a whole number from 1; got "0"');
		expect(() => parseTaskQuery(new URLSearchParams('pageSize=501'), workers)).toThrow('?pageSize= takes a whole number from 1 to 500; got "501"');
	});

	const row: TaskSummary = {worker: 'coder', id: 'fix-login', state: 'failed', mtimeMs: 1, attempts: 3, costUsd: 0.2, workflow: 'release', prompt: 'Fix the Login page', error: 'cli_crashed'};
	test.each<[string, Record<string, unknown>, boolean]>([
		['no filter', {}, true],
		['its worker', {worker: 'coder'}, true],
		['another worker', {worker: 'reviewer'}, false],
		['its state', {state: 'failed'}, true],
		['another state', {state: 'succeeded'}, false],
		['its workflow', {workflow: 'release'}, true],
		['another workflow', {workflow: 'nightly'}, false],
		['words of the prompt, any case', {q: 'login PAGE'}, true],
		['the id and the error code', {q: 'fix-login cli_crashed'}, true],
		['worker/id', {q: 'coder/fix'}, true],
		['a word it lacks', {q: 'login dashboard'}, false],
	])('%s', (_name, filter, matches) => {
		expect(matchesQuery(row, {page: 1, pageSize: 50, ...filter})).toBe(matches);
	});

	test.each([
		[0, 1, 50, {start: 0, end: 0, pages: 1}],
		[120, 1, 50, {start: 0, end: 50, pages: 3}],
		[120, 3, 50, {start: 100, end: 120, pages: 3}],
		[120, 9, 50, {start: 120, end: 120, pages: 3}],
	])('%i tasks, page %i of %i', (total, page, size, bounds) => {
		expect(pageBounds(total, page, size)).toEqual(bounds);
	});
});

describe('what a change on disk asks for', () => {
	const layout = createLayout('/h');
	const plan = (dir: string, name?: string, rescan = false) => planChanges(layout, ['coder'], [{dir: `/h/${dir}`.replace(/\/$/, ''), ...(name === undefined ? {} : {name})}], rescan);
	test.each<[string, string | undefined, Record<string, unknown>]>([
		['tasks/coder', 'a.json', {live: ['coder'], results: [], transcripts: [], overview: true}],
		['processing/coder/host-1', 'a@1.x.json', {live: ['coder']}],
		['waiting/coder', 'a.json', {live: ['coder']}],
		['results/coder', 'a.json', {live: [], results: [{worker: 'coder', id: 'a'}], overview: true}],
		['results/coder', 'a.jsonl', {live: [], results: [], transcripts: ['coder/a'], overview: false}],
		['results/coder', 'a.question.md', {results: [], overview: true}],
		['results/coder', 'a.patch', {results: [], touched: ['coder/a'], overview: false}],
		['results/coder', '.a.json.1234.tmp', {results: [], overview: false}],
		['results/coder', undefined, {reconcile: ['coder'], overview: true}],
		['results/other', 'a.json', {results: [], overview: false}],
		['ledger', '2026-12-01.jsonl', {live: [], overview: true, ledger: true}],
		['control/quota', 'account-1.json', {overview: true, ledger: false}],
		['results/workflows', 'release.state.json', {results: [], reconcile: [], workflows: true, overview: true}],
		['workflows', 'release.yaml', {workflows: true}],
		['', 'workflows', {workflows: true}],
		['reports', '2026-12-01.md', {reports: true, overview: false, workflows: false}],
		['paused', 'coder.json', {overview: true}],
		['', 'spool.yaml', {live: [], overview: false}],
		['', 'tasks', {live: ['coder'], reconcile: ['coder'], overview: true}],
		['tasks', 'coder', {live: ['coder'], reconcile: ['coder']}],
	])('%s %s', (dir, name, expected) => {
		const got = plan(dir, name);
		const shown = {live: [...got.live], results: got.results, reconcile: [...got.reconcile], transcripts: [...got.transcripts], touched: [...got.touched], overview: got.overview, ledger: got.ledger, workflows: got.workflows, reports: got.reports};
		expect(shown).toMatchObject(expected);
	});

	test('a rescan asks for everything', () => {
		expect(planChanges(layout, ['coder', 'reviewer'], [], true)).toMatchObject({live: new Set(['coder', 'reviewer']), reconcile: new Set(['coder', 'reviewer']), overview: true, ledger: true, workflows: true, reports: true});
	});
});

describe('transcript chunks', () => {
	test('whole lines from an offset; a line being written waits; a giant line comes as its start; a shorter file starts again', async () => {
		const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'spool-ui-chunk-'));
		const file = path.join(dir, 't.jsonl');
		expect(readTranscriptChunk(file, 0)).toMatchObject({events: [], next: 0, more: false, reset: false});
		fs.writeFileSync(file, '{"type":"a"}\nnot json\n{"type":"b"}\n{"type":"c"');
		const first = readTranscriptChunk(file, 0);
		expect(first).toMatchObject({offset: 0, events: [{type: 'a'}, {type: 'b'}], more: false, reset: false});
		fs.appendFileSync(file, '}\n');
		expect(readTranscriptChunk(file, first.next).events).toEqual([{type: 'c'}]);
		const small = readTranscriptChunk(file, 0, 10);
		expect(small).toMatchObject({events: [{type: 'a'}], more: true});

		const before = fs.statSync(file).size;
		fs.appendFileSync(file, `{"type":"user","x":"${'x'.repeat(LINE_BYTES * 3)}"}\n{"type":"d"}\n`);
		const giant = readTranscriptChunk(file, before);
		expect(giant.events).toHaveLength(1);
		expect(giant.events[0]).toMatchObject({type: 'spool-ui', subtype: 'line_too_long', bytes: LINE_BYTES * 3 + 22});
		expect((giant.events[0]!.head as string).length).toBe(4000);
		expect(giant.more).toBe(true);
		expect(readTranscriptChunk(file, giant.next).events).toEqual([{type: 'd'}]);
		expect(readTranscriptChunk(file, fs.statSync(file).size + 10)).toMatchObject({offset: 0, reset: true});
	});
});
