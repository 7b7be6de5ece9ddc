import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {readCancelRequests, REQUEST_TTL_MS} from '../../src/lifecycle/cancel.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {buildResult} from '../../src/queue/result.ts';
import {dropTask, listDir, makeHome, resultOf, spool} from '../helpers/home.ts';

async function writeResult(home: string, id: string, status: 'failed' | 'dead' | 'canceled'): Promise<void> {
	const result = buildResult({id, worker: 'coder', owner: 'test', runId: `run-${id}`, attempts: 1, startedAt: new Date()}, {status, error: {code: 'api_error', message: 'no'}, task: {prompt: `redo ${id}`}});
	await fs.mkdir(path.join(home, 'results', 'coder'), {recursive: true});
	await fs.writeFile(path.join(home, 'results', 'coder', `${id}.json`), JSON.stringify(result));
}

async function writeRequest(home: string, id: string, ageMs = 0): Promise<string> {
	const file = path.join(home, 'control', 'cancel', 'coder', `${id}.json`);
	await fs.mkdir(path.dirname(file), {recursive: true});
	await fs.writeFile(file, JSON.stringify({version: 1, requestedAt: new Date(Date.now() - ageMs).toISOString()}));
	return file;
}

test('a task named twice, or retried by two commands at once, is queued once', async () => {
	const home = await makeHome({workers: {coder: {}}});
	await writeResult(home, 'twice', 'failed');
	const both = await spool(home, ['retry', 'twice', 'coder/twice']);
	expect(both.stdout.trim().split('\n')).toHaveLength(1);
	expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual(['twice.json']);
	await fs.rm(path.join(home, 'tasks', 'coder', 'twice.json'));

	await writeResult(home, 'race', 'dead');
	const runs = await Promise.all([spool(home, ['retry', 'race']), spool(home, ['retry', 'race']), spool(home, ['retry', 'race'])]);
	const queued = runs.filter(run => run.stdout.includes('queued again'));
	expect(queued).toHaveLength(1);
	for (const run of runs.filter(run => !run.stdout.includes('queued again'))) {
		expect(run.exitCode).toBe(1);
		expect(run.stdout + run.stderr).toMatch(/its result changed meanwhile|no task "race"|pending already|is pending; only failed/);
	}

	expect(JSON.parse(await fs.readFile(path.join(home, 'tasks', 'coder', 'race.json'), 'utf8'))).toEqual({prompt: 'redo race'});
	expect((await listDir(path.join(home, 'results', 'coder', '.history'))).filter(name => name.startsWith('race.'))).toHaveLength(1);
	expect(await resultOf(home, 'coder', 'race')).toBeUndefined();
});

test('a cancel request left behind never cancels a later task of the id: retry clears it, and it expires only once its task is gone', async () => {
	const home = await makeHome({workers: {coder: {}}});
	await writeResult(home, 'again', 'canceled');
	const stale = await writeRequest(home, 'again');
	expect((await spool(home, ['retry', 'again'])).exitCode).toBe(0);
	await expect(fs.stat(stale)).rejects.toThrow();

	const layout = createLayout(home);
	// Old, but its task is pending (a dead loop's claim came back): it stands. Old and its task gone: dropped.
	await dropTask(home, 'coder', 'waiting', {prompt: 'x'});
	await writeRequest(home, 'waiting', REQUEST_TTL_MS + 1000);
	await writeRequest(home, 'forgotten', REQUEST_TTL_MS + 1000);
	await writeRequest(home, 'fresh');
	expect([...readCancelRequests(layout, 'coder')].sort()).toEqual(['fresh', 'waiting']);
	expect(await listDir(path.join(home, 'control', 'cancel', 'coder'))).toEqual(['fresh.json', 'waiting.json']);
});

test('retry --workflow of a workflow with nothing to retry says so; of an unknown one names the state file it looked for', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const unknown = await spool(home, ['retry', '--workflow', 'nosuch']);
	expect(unknown.exitCode).toBe(1);
	expect(unknown.stderr).toContain('no workflow "nosuch" has run: results/workflows/nosuch.state.json does not exist');
});

test('submit takes a negative priority and a delay of any length; a time in the past is said to have passed', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const later = await spool(home, ['submit', 'coder', '--id', 'later', '--priority', '-1', '--delay', '30d', 'in a month']);
	expect(later.exitCode, later.stderr).toBe(0);
	const task = JSON.parse(await fs.readFile(path.join(home, 'tasks', 'coder', 'later.json'), 'utf8'));
	expect(task.priority).toBe(-1);
	expect(Date.parse(task.notBefore) - Date.now()).toBeGreaterThan(29 * 86_400_000);
	const past = await spool(home, ['submit', 'coder', '--id', 'past', '--not-before', '2020-01-01T00:00:00Z', 'now']);
	expect(past.exitCode).toBe(0);
	expect(past.stderr).toContain('--not-before 2020-01-01T00:00:00.000Z has passed already; the task may run at once');
	const listed = JSON.parse((await spool(home, ['list', '--json'])).stdout).tasks.map((entry: any) => `${entry.id} ${entry.state}`).sort();
	expect(listed).toEqual(['later delayed', 'past pending']);
	// A bare number is seconds, as in spool.yaml.
	const seconds = await spool(home, ['submit', 'coder', '--id', 'secs', '--timeout', '90', '--delay', '60', 'x']);
	expect(seconds.exitCode, seconds.stderr).toBe(0);
	const secs = JSON.parse(await fs.readFile(path.join(home, 'tasks', 'coder', 'secs.json'), 'utf8'));
	expect(secs.timeout).toBe(90);
	expect(Date.parse(secs.notBefore) - Date.now()).toBeGreaterThan(50_000);
	const bad = await spool(home, ['submit', 'coder', '--priority', '1.5', 'x']);
	expect(bad.stderr).toContain('--priority must be a whole number such as 5 or -1; got "1.5"');
});

test('submit --max-cost puts a cap on the task; a cap that is no sum of dollars is refused', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const capped = await spool(home, ['submit', 'coder', '--id', 'capped', '--max-cost', '$0.50', 'cheap']);
	expect(capped.exitCode, capped.stderr).toBe(0);
	expect(JSON.parse(await fs.readFile(path.join(home, 'tasks', 'coder', 'capped.json'), 'utf8'))).toMatchObject({maxCostUsd: 0.5});
	for (const bad of ['abc', '0', '-1', '0.00001', '']) {
		const refused = await spool(home, ['submit', 'coder', '--max-cost', bad, 'x']);
		expect(refused.exitCode).toBe(2);
		expect(refused.stderr).toContain(`--max-cost must be a sum of US dollars of at least 0.0001, such as 0.50; got "${bad}"`);
	}
});
