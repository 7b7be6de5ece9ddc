import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {describe, expect, test} from 'vitest';
import {pino} from 'pino';
import {LiveConfig} from '../src/config/live.ts';
import {loadConfig} from '../src/config/load.ts';
import {takeStart, type Bucket} from '../src/limits/start-bucket.ts';
import {StartLimiter} from '../src/limits/start-limit.ts';
import type {BucketRule} from '../src/limits/token-bucket.ts';
import {createLayout} from '../src/queue/layout.ts';
import {makeHome, ROOT} from './helpers/home.ts';
import {allowedBy, worstExcess} from './helpers/start-rate.ts';

const TAKER = path.join(ROOT, 'test', 'fixtures', 'take-starts.ts');
const DURATION_MS = 5000;
/*
 * A taker notes Date.now() just after takeStart returns, a few µs after the clock reading the bucket
 * used (and the first start's, which the bound counts from, is late by as much): one token of slack
 * covers that, and a taker descheduled between the two on a busy machine.
 */
const SLACK = 1;

type Taken = {taken: number[]; costsUs: number[]};

async function makeStartsFolder(): Promise<string> {
	return path.join(await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-starts-'))), 'control', 'starts');
}

/** Starts each set of buckets as a taker process of its own, all taking from the same moment for DURATION_MS. */
async function runTakers(takers: Bucket[][]): Promise<Taken[]> {
	const startAt = Date.now() + 1500; // Time for every node process to start first.
	const runs = takers.map(buckets => execa(process.execPath, [TAKER, JSON.stringify({buckets, startAt, durationMs: DURATION_MS})]));
	return (await Promise.all(runs)).map(run => JSON.parse(run.stdout) as Taken);
}

function median(values: number[]): number {
	return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
}

describe('the start bucket shared by processes', () => {
	test('3 processes taking as fast as they can get no more than burst + rate × elapsed, and about that many', async () => {
		const rule: BucketRule = {perMinute: 600, burst: 5};
		const home = {file: path.join(await makeStartsFolder(), 'home.json'), rule};
		const runs = await runTakers([[home], [home], [home]]);
		const times = runs.flatMap(run => run.taken).sort((a, b) => a - b);
		const worst = worstExcess(times, rule);
		console.log(`3 takers, 600/min, burst 5: ${times.length} tokens in ${DURATION_MS} ms (bound ${allowedBy(rule, times[0]!, times.at(-1)!).toFixed(1)}), worst excess ${worst.excess.toFixed(3)} at ${worst.at} ms; median take ${median(runs.flatMap(run => run.costsUs)).toFixed(0)} µs`);
		expect(worst.excess).toBeLessThanOrEqual(SLACK);
		// Tokens are not lost: a bucket kept empty by eager takers gives its whole rate over the span they took
		// (not the planned window: on a loaded machine a taker may start late or be held off the CPU).
		expect(times.length).toBeGreaterThanOrEqual(allowedBy(rule, times[0]!, times.at(-1)!) - 3);
		expect(runs.every(run => run.taken.length > 0)).toBe(true);
	}, 30_000);

	test('takes from the home and a worker bucket together or from neither', async () => {
		const folder = await makeStartsFolder();
		const home = {file: path.join(folder, 'home.json'), rule: {perMinute: 600, burst: 5}};
		const worker = {file: path.join(folder, 'worker-coder.json'), rule: {perMinute: 120, burst: 2}};
		// Two takers start under both limits (a loop of the worker), one under the home's alone (a loop of another worker).
		const [a, b, other] = await runTakers([[home, worker], [worker, home], [home]]);
		const both = [...a!.taken, ...b!.taken];
		const all = [...both, ...other!.taken];
		expect(worstExcess(both, worker.rule).excess).toBeLessThanOrEqual(SLACK);
		expect(worstExcess(all, home.rule).excess).toBeLessThanOrEqual(SLACK);
		// A take refused by the worker's bucket left the home's token for the other taker: the home gave its whole rate.
		const first = Math.min(...all);
		expect(all.length).toBeGreaterThanOrEqual(allowedBy(home.rule, first, first + DURATION_MS) - 3);
		expect(both.length).toBeGreaterThanOrEqual(allowedBy(worker.rule, first, first + DURATION_MS) - 3);
	}, 30_000);
});

describe('a bucket file', () => {
	test('missing or unreadable is a full bucket; what a take leaves is a versioned record', async () => {
		const folder = await makeStartsFolder();
		const rule = {perMinute: 1, burst: 3};
		const file = path.join(folder, 'home.json');
		for (const _ of [1, 2, 3]) {
			expect(takeStart([{file, rule}], () => 1_000_000)).toEqual({ok: true});
		}

		expect(takeStart([{file, rule}], () => 1_000_000)).toEqual({ok: false, retryAt: 1_060_000});
		expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({version: 1, tokens: 0, updatedAt: 1_000_000});
		await fs.writeFile(file, '{"tokens": "none"');
		expect(takeStart([{file, rule}], () => 1_000_000)).toEqual({ok: true});
		expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({version: 1, tokens: 2, updatedAt: 1_000_000});
		expect((await fs.readdir(folder)).sort()).toEqual(['home.json']); // No lock and no temp file left behind.
	});

	test('an empty bucket takes nothing from the other: both report the later time', async () => {
		const folder = await makeStartsFolder();
		const home = {file: path.join(folder, 'home.json'), rule: {perMinute: 60, burst: 2}};
		const worker = {file: path.join(folder, 'worker-coder.json'), rule: {perMinute: 30, burst: 1}};
		expect(takeStart([home, worker], () => 0)).toEqual({ok: true});
		expect(takeStart([home, worker], () => 0)).toEqual({ok: false, retryAt: 2000});
		expect(JSON.parse(await fs.readFile(home.file, 'utf8'))).toMatchObject({tokens: 1});
	});

	test('locked by a live process: try again shortly; left locked by a dead one: taken over once stale', async () => {
		const folder = await makeStartsFolder();
		const bucket = {file: path.join(folder, 'home.json'), rule: {perMinute: 60, burst: 2}};
		await fs.mkdir(`${bucket.file}.lock`, {recursive: true}); // Fresh: its holder may be mid-take.
		expect(takeStart([bucket], () => 5000)).toEqual({ok: false, retryAt: 5100});
		const longAgo = new Date(Date.now() - 10_000); // Past the 5 s a holder has to refresh it.
		await fs.utimes(`${bucket.file}.lock`, longAgo, longAgo);
		expect(takeStart([bucket])).toEqual({ok: true});
		expect(await fs.readdir(folder)).toEqual(['home.json']);
	});
});

describe('the start limit of a worker loop', () => {
	async function limiterFor(extra: Record<string, unknown>) {
		const home = await makeHome({workers: {coder: {}}, extra});
		const lines: Array<{level: number; msg: string}> = [];
		const logger = pino({level: 'info'}, {write: (line: string) => lines.push(JSON.parse(line))});
		const config = loadConfig(home, {});
		const limiter = new StartLimiter({live: new LiveConfig(config, logger), layout: createLayout(home), worker: 'coder', logger});
		return {home, limiter, lines};
	}

	test('with no limit set, touches no file', async () => {
		const {home, limiter} = await limiterFor({});
		expect(limiter.take()).toEqual({ok: true});
		await expect(fs.access(path.join(home, 'control', 'starts'))).rejects.toThrow();
	});

	test('with buckets it cannot use, starts nothing and says so once', async () => {
		const {home, limiter, lines} = await limiterFor({limits: {startsPerMinute: 60}});
		await fs.mkdir(path.join(home, 'control'));
		await fs.writeFile(path.join(home, 'control', 'starts'), 'not a folder');
		const before = Date.now();
		for (const _ of [1, 2]) {
			const take = limiter.take();
			expect(take.ok).toBe(false);
			expect(take.ok ? 0 : take.retryAt).toBeGreaterThanOrEqual(before + 5000);
		}

		expect(lines.map(line => line.msg)).toEqual(['cannot take a start from the start-rate buckets: no task starts until they can be used']);
		await fs.rm(path.join(home, 'control', 'starts'));
		expect(limiter.take()).toEqual({ok: true});
		expect(lines.at(-1)?.msg).toBe('the start-rate buckets can be used again: starts go on');
	});
});
