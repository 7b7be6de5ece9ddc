import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {checkDuration} from '../src/config/duration.ts';
import {loadConfig} from '../src/config/load.ts';
import {validateWorkflow} from '../src/orchestrator/validate.ts';
import {guardPath, isUnder} from '../src/queue/path-guard.ts';
import {validateTask} from '../src/queue/task-schema.ts';
import {renderSchemas} from '../src/schema-files.ts';
import {makeHome, ROOT, spool} from './helpers/home.ts';

async function configError(yaml: string): Promise<string> {
	const home = await makeHome({workers: {coder: {}}});
	await fs.writeFile(path.join(home, 'spool.yaml'), yaml);
	try {
		loadConfig(home, {});
	} catch (error) {
		return (error as Error).message;
	}

	throw new Error('expected the config to be refused');
}

describe('spool.yaml', () => {
	test('an error names the file, the field and the bad value', async () => {
		const message = await configError('workers:\n  coder:\n    concurrency: two\n');
		expect(message).toMatch(/spool\.yaml: invalid config\n  workers\.coder\.concurrency: expected number \(got "two"\)$/m);
	});

	test('a value of the wrong type is shown once, not its type and then itself; a missing field says so', async () => {
		const message = await configError('queue:\n  usePolling: banana\nworkers:\n  coder:\n    model: 5\n');
		expect(message).toContain('queue.usePolling: expected boolean (got "banana")');
		expect(message).toContain('workers.coder.model: expected string (got 5)');
		expect(message).not.toContain('received');
		expect(validateTask({})).toEqual({ok: false, problems: ['prompt: is missing (expected string)']});
	});

	test('a bad duration, an unknown key and a bad worker name are each named', async () => {
		const message = await configError('queue:\n  lease: soon\nworkers:\n  coder:\n    promt: x\n  "bad name": {}\n');
		expect(message).toContain('queue.lease: expected a duration such as "30s"');
		expect(message).toContain('(got "soon")');
		expect(message).toContain('workers.coder: Unrecognized key: "promt"');
		expect(message).toContain('workers."bad name": a worker name is');
	});

	test('durations and defaults resolve to milliseconds', async () => {
		const home = await makeHome({workers: {coder: {timeout: '10m'}}, queue: {lease: '2s'}});
		const config = loadConfig(home, {});
		expect(config.queue.lease).toBe(2000);
		expect(config.workers.coder).toMatchObject({timeout: 600_000, concurrency: 1, permissionMode: 'acceptEdits', prompt: path.join(home, 'prompts', 'coder.md')});
		expect(Object.isFrozen(config)).toBe(true);
	});

	test('the spool.yaml shipped with the repository is valid', () => {
		const config = loadConfig(ROOT, {});
		expect(Object.keys(config.workers).length).toBeGreaterThanOrEqual(2);
	});

	test('spool refuses to start on a bad config and says why', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await fs.writeFile(path.join(home, 'spool.yaml'), 'workers:\n  coder:\n    permissionMode: yolo\n');
		const run = await spool(home, ['worker', 'coder']);
		expect(run.exitCode).toBe(1);
		expect(run.stderr).toContain('workers.coder.permissionMode');
		expect(run.stderr).toContain('(got "yolo")');
	});
});

const TIMER_LIMIT = 'must be at most 2147483647 ms (about 24.8 days, the longest timer Node.js has)';
const WORKER_NAME_RULE = 'a worker name is 1-64 letters, digits, "-" and "_", starting with a letter or digit';
const NOT_FINITE = 'is not a finite number';

describe('spool.yaml: values that cannot work are refused at load', () => {
	// One row per bad value: the YAML as a user writes it, and the line the error must hold.
	test.each([
		{yaml: 'queue:\n  lease: 0', line: 'queue.lease: must be at least 1s (got 0)'},
		{yaml: 'queue:\n  lease: 500ms', line: 'queue.lease: must be at least 1s (got "500ms")'},
		{yaml: 'queue:\n  lease: 2000h', line: `queue.lease: ${TIMER_LIMIT} (got "2000h")`},
		{yaml: 'queue:\n  scanInterval: 0', line: 'queue.scanInterval: must be at least 10ms (got 0)'},
		{yaml: 'queue:\n  scanInterval: 5ms', line: 'queue.scanInterval: must be at least 10ms (got "5ms")'},
		{yaml: 'queue:\n  parseGrace: -1', line: 'queue.parseGrace: must be at least 0 (got -1)'},
		{yaml: 'queue:\n  drainTimeout: -1', line: 'queue.drainTimeout: must be at least 0 (got -1)'},
		{yaml: 'queue:\n  retryBackoff: -1', line: 'queue.retryBackoff: must be at least 0 (got -1)'},
		{yaml: 'queue:\n  rateLimitWait: 0', line: 'queue.rateLimitWait: must be at least 1s (got 0)'},
		{yaml: 'budget:\n  dailyUsd: 0', line: 'budget.dailyUsd: must be at least 0.0001 (a hundredth of a cent), less than one model call costs (got 0)'},
		{yaml: 'budget:\n  dailyUsd: 0.00001', line: 'budget.dailyUsd: must be at least 0.0001 (a hundredth of a cent), less than one model call costs (got 0.00001)'},
		{yaml: 'budget:\n  dailyUsd: fifty', line: 'budget.dailyUsd: expected number (got "fifty")'},
		{yaml: 'budget:\n  warnAt: 0', line: 'budget.warnAt: '},
		{yaml: 'budget:\n  warnAt: 1.5', line: 'budget.warnAt: '},
		{yaml: 'budget:\n  timezone: Mars/Olympus', line: 'budget.timezone: must be an IANA time zone such as "Europe/Paris" or "UTC" (got "Mars/Olympus")'},
		{yaml: 'budget:\n  perTaskUsd: -5', line: 'budget.perTaskUsd: must be at least 0.0001'},
		{yaml: 'budget:\n  daily: 5', line: 'budget: '},
		{yaml: 'quota:\n  reserve: 1.2', line: 'quota.reserve: '},
		{yaml: 'report:\n  at: "25:00"', line: 'report.at: must be a time of day such as "18:00" (HH:MM, 24-hour, quoted or not) (got "25:00")'},
		{yaml: 'report:\n  at: 6pm', line: 'report.at: must be a time of day such as "18:00" (HH:MM, 24-hour, quoted or not) (got "6pm")'},
		{yaml: 'report:\n  at: 1800', line: 'report.at: expected string (got 1800)'},
		{yaml: 'report:\n  feedbackDays: -1', line: 'report.feedbackDays: '},
		{yaml: 'report:\n  feedbackDays: 1.5', line: 'report.feedbackDays: '},
		{yaml: 'limits:\n  startsPerMinute: 0', line: 'limits.startsPerMinute: must be at least 0.01 (one start in 100 minutes) (got 0)'},
		{yaml: 'limits:\n  burst: 5', line: 'limits.burst: has no effect without startsPerMinute beside it: set the rate too, or remove burst (got 5)'},
		{yaml: 'workers:\n  coder:\n    dailyUsd: 0', line: 'workers.coder.dailyUsd: must be at least 0.0001'},
		{yaml: 'workers:\n  coder:\n    limits: {burst: 2}', line: 'workers.coder.limits.burst: has no effect without startsPerMinute'},
		{yaml: 'queue:\n  retryBackoff: 1h\n  retryBackoffMax: 5s', line: 'queue.retryBackoffMax: must be at least queue.retryBackoff (1h), the backoff it caps; it is 5s (got "5s")'},
		{yaml: 'queue:\n  retryBackoff: 1h', line: 'queue.retryBackoffMax: must be at least queue.retryBackoff (1h), the backoff it caps; it is 10m'},
		{yaml: 'queue:\n  lease: 1e400', line: `queue.lease: ${NOT_FINITE}`, got: '(got Infinity)'},
		{yaml: 'queue:\n  maxAttempts: 1e400', line: `queue.maxAttempts: ${NOT_FINITE}`, got: '(got Infinity)'},
		{yaml: 'queue:\n  maxAttempts: -1e400', line: `queue.maxAttempts: ${NOT_FINITE}`, got: '(got -Infinity)'},
		{yaml: 'workers:\n  coder:\n    concurrency: 1e400', line: `workers.coder.concurrency: ${NOT_FINITE}`, got: '(got Infinity)'},
		{yaml: 'workers:\n  coder:\n    maxTurns: .nan', line: `workers.coder.maxTurns: ${NOT_FINITE}`, got: '(got NaN)'},
		{yaml: 'workers:\n  coder:\n    timeout: 0', line: 'workers.coder.timeout: must be at least 1ms (got 0)'},
		{yaml: 'workers:\n  coder:\n    timeout: 600h', line: `workers.coder.timeout: ${TIMER_LIMIT} (got "600h")`},
		{yaml: 'workers:\n  coder:\n    timeout: 2147484', line: `workers.coder.timeout: ${TIMER_LIMIT} (got 2147484)`},
		{yaml: 'workers:\n  coder:\n    timeout: 25d', line: `workers.coder.timeout: ${TIMER_LIMIT} (got "25d")`},
		{yaml: 'orchestrator:\n  timeout: 0\nworkers:\n  coder: {}', line: 'orchestrator.timeout: must be at least 1ms (got 0)'},
		{yaml: 'workers:\n  "bad name": {}', line: `workers."bad name": ${WORKER_NAME_RULE}`},
		{yaml: 'workers:\n  _lead: {}', line: `workers._lead: ${WORKER_NAME_RULE}`},
		{yaml: `workers:\n  ${'a'.repeat(65)}: {}`, line: `workers.${'a'.repeat(65)}: ${WORKER_NAME_RULE}`},
	])('$line', async ({yaml, line, got}) => {
		const message = await configError(`${yaml}\n${yaml.includes('workers:') ? '' : 'workers:\n  coder: {}\n'}`);
		expect(message).toContain('spool.yaml: invalid config\n');
		expect(message).toContain(`  ${line}`);
		if (got) {
			expect(message).toContain(got);
		}

		expect(message).not.toMatch(/Invalid key|Invalid input|\(got null\)/);
	});

	test('the values at each bound load', async () => {
		const home = await makeHome({
			workers: {coder: {timeout: 1}, reviewer: {timeout: '24d'}, slow: {timeout: '2147483647ms'}},
			queue: {lease: '1s', scanInterval: '10ms', parseGrace: 0, drainTimeout: 0, retryBackoff: '2m', retryBackoffMax: 120, rateLimitWait: '1s'},
			extra: {orchestrator: {timeout: '1ms'}},
		});
		const config = loadConfig(home, {});
		expect(config.queue).toMatchObject({lease: 1000, scanInterval: 10, parseGrace: 0, drainTimeout: 0, retryBackoff: 120_000, retryBackoffMax: 120_000, rateLimitWait: 1000});
		expect(Object.values(config.workers).map(worker => worker.timeout)).toEqual([1000, 24 * 86_400_000, 2_147_483_647]);
		expect(config.orchestrator.timeout).toBe(1);
	});
});

describe('durations', () => {
	// The one decision behind every duration field, in config, task files and workflows.
	test.each([
		{value: '500ms', ms: 500},
		{value: '30s', ms: 30_000},
		{value: ' 1.5s ', ms: 1500},
		{value: '10m', ms: 600_000},
		{value: '2h', ms: 7_200_000},
		{value: '1d', ms: 86_400_000},
		{value: 30, ms: 30_000},
		{value: 0, ms: 0},
		{value: '2147483647ms', ms: 2_147_483_647},
		{value: '2147483648ms', message: TIMER_LIMIT},
		{value: '600h', message: TIMER_LIMIT},
		{value: 2_147_484, message: TIMER_LIMIT},
		{value: -1, message: 'must be at least 0'},
		{value: Number.POSITIVE_INFINITY, message: NOT_FINITE},
		{value: Number.NaN, message: NOT_FINITE},
		{value: 'soon', message: 'expected a duration such as "30s", "10m", "2h" or a number of seconds'},
		{value: '-5s', message: 'expected a duration such as "30s", "10m", "2h" or a number of seconds'},
		{value: '', message: 'expected a duration such as "30s", "10m", "2h" or a number of seconds'},
	])('$value', ({value, ms, message}) => {
		expect(checkDuration(value)).toEqual(ms === undefined ? {ok: false, message: expect.stringContaining(message)} : {ok: true, ms});
	});

	test('a minimum is named as it was written', () => {
		expect(checkDuration('999ms', '1s')).toEqual({ok: false, message: 'must be at least 1s'});
		expect(checkDuration(1, '1s')).toEqual({ok: true, ms: 1000});
	});

	test('a task file and a workflow refuse a timeout of 0 or past the timer limit', () => {
		expect(validateTask({prompt: 'x', timeout: '600h'})).toEqual({ok: false, problems: [`timeout: ${TIMER_LIMIT} (got "600h")`]});
		expect(validateTask({prompt: 'x', timeout: 0})).toEqual({ok: false, problems: ['timeout: must be at least 1ms (got 0)']});
		expect(validateTask({prompt: 'x', timeout: 1e400})).toEqual({ok: false, problems: [expect.stringMatching(/^timeout: is not a finite number.* \(got Infinity\)$/)]});
		expect(validateTask({prompt: 'x', timeout: 1})).toMatchObject({ok: true, task: {timeout: 1000}});
		const workflow = (timeout: unknown) => validateWorkflow({tasks: [{id: 'a', worker: 'coder', prompt: 'x', timeout}]}, {id: 'wf', workers: ['coder'], checkId: true});
		expect(workflow('600h')).toEqual({ok: false, problems: [`tasks.0.timeout: ${TIMER_LIMIT} (got "600h")`]});
		expect(workflow(0)).toEqual({ok: false, problems: ['tasks.0.timeout: must be at least 1ms (got 0)']});
		expect(workflow('10m')).toMatchObject({ok: true, workflow: {tasks: [{timeout: '10m'}]}});
	});
});

describe('cwdRoots', () => {
	test('"/" is a root that holds every folder', async () => {
		const home = await makeHome({workers: {coder: {}}, extra: {cwdRoots: ['/']}});
		const config = loadConfig(home, {});
		expect(config.cwdRoots).toEqual(['/']);
		const elsewhere = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-cwd-')));
		expect(await guardPath(elsewhere, {base: home, home, roots: config.cwdRoots, what: 'cwd'})).toEqual({ok: true, real: elsewhere});
	});

	test.each([
		{file: '/tmp', root: '/', under: true},
		{file: '/a/b', root: '/a', under: true},
		{file: '/a', root: '/a', under: true},
		{file: '/a/b', root: '/a/', under: true},
		{file: '/ab', root: '/a', under: false},
		{file: '/', root: '/a', under: false},
	])('isUnder($file, $root) is $under', ({file, root, under}) => {
		expect(isUnder(file, root)).toBe(under);
	});
});

test('the committed JSON Schemas match the zod schemas (npm run schema regenerates them)', async () => {
	for (const [file, text] of Object.entries(renderSchemas())) {
		expect(await fs.readFile(path.join(ROOT, file), 'utf8'), `${file} is stale: run npm run schema`).toBe(text);
	}
});
