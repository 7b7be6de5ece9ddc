import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {buildResult} from '../../src/queue/result.ts';
import {dropTask, listDir, makeHome, spool} from '../helpers/home.ts';

const DAY = 86_400_000;

async function writeFinished(home: string, id: string, ageDays: number, status: 'succeeded' | 'failed' = 'succeeded'): Promise<void> {
	const finished = new Date(Date.now() - ageDays * DAY);
	const result = {...buildResult({id, worker: 'coder', owner: 'test', runId: `run-${id}`, attempts: 1, startedAt: finished}, {status}), finishedAt: finished.toISOString()};
	const dir = path.join(home, 'results', 'coder');
	await fs.mkdir(dir, {recursive: true});
	await fs.writeFile(path.join(dir, `${id}.json`), JSON.stringify(result));
	await fs.writeFile(path.join(dir, `${id}.jsonl`), '{"type":"result"}\n');
	await fs.mkdir(path.join(home, 'workspaces', 'coder', id), {recursive: true});
	await fs.writeFile(path.join(home, 'workspaces', 'coder', id, 'out.txt'), 'work');
}

async function age(file: string, days: number): Promise<void> {
	const time = (Date.now() - days * DAY) / 1000;
	await fs.utimes(file, time, time);
}

test('clean archives what finished before the limit, never a pending task\'s files; --dry-run moves nothing; --delete deletes', async () => {
	const home = await makeHome({workers: {coder: {}}});
	await writeFinished(home, 'old', 10);
	await writeFinished(home, 'recent', 1);
	await writeFinished(home, 'again', 10, 'failed');
	await dropTask(home, 'coder', 'again', {prompt: 'dropped again: pending, its old result and workspace stay'});
	await fs.mkdir(path.join(home, 'results', 'coder', '.history'), {recursive: true});
	await fs.writeFile(path.join(home, 'results', 'coder', '.history', 'old.2026-11-01T00-00-00.000Z.json'), '{}');
	await age(path.join(home, 'results', 'coder', '.history', 'old.2026-11-01T00-00-00.000Z.json'), 30);
	await fs.mkdir(path.join(home, 'rejected', 'coder'), {recursive: true});
	await fs.writeFile(path.join(home, 'rejected', 'coder', 'bad.json'), '{oops');
	await age(path.join(home, 'rejected', 'coder', 'bad.json'), 9);

	const dry = await spool(home, ['clean', '--dry-run']);
	expect(dry.exitCode, dry.stderr).toBe(0);
	expect(dry.stdout).toBe('would move 1 results, 1 transcripts, 1 earlier results in .history, 1 rejected originals, 1 workspaces (finished more than 7d ago) to archive/');
	expect(await listDir(path.join(home, 'results', 'coder'))).toEqual(['.history', 'again.json', 'again.jsonl', 'old.json', 'old.jsonl', 'recent.json', 'recent.jsonl']);

	const clean = await spool(home, ['clean', '--older-than', '7d']);
	expect(clean.stdout).toBe('moved 1 results, 1 transcripts, 1 earlier results in .history, 1 rejected originals, 1 workspaces (finished more than 7d ago) to archive/');
	expect(await listDir(path.join(home, 'results', 'coder'))).toEqual(['.history', 'again.json', 'again.jsonl', 'recent.json', 'recent.jsonl']);
	expect(await listDir(path.join(home, 'archive', 'results', 'coder'))).toEqual(['.history', 'old.json', 'old.jsonl']);
	expect(await listDir(path.join(home, 'archive', 'rejected', 'coder'))).toEqual(['bad.json']);
	expect(await fs.readFile(path.join(home, 'archive', 'workspaces', 'coder', 'old', 'out.txt'), 'utf8')).toBe('work');
	expect(await listDir(path.join(home, 'workspaces', 'coder'))).toEqual(['again', 'recent']);
	expect(await listDir(path.join(home, 'tasks', 'coder'))).toEqual(['again.json']);

	const none = await spool(home, ['clean']);
	expect(none.stdout).toBe('nothing finished more than 7d ago');
	const deleted = await spool(home, ['clean', '--older-than', '12h', '--delete']);
	expect(deleted.stdout).toBe('deleted 1 results, 1 transcripts, 1 workspaces (finished more than 12h ago)');
	expect(await listDir(path.join(home, 'results', 'coder'))).toEqual(['.history', 'again.json', 'again.jsonl']);
	const bad = await spool(home, ['clean', '--older-than', 'soon']);
	expect(bad.exitCode).toBe(2);
	expect(bad.stderr).toContain('--older-than must be a duration such as "7d", "12h" or "30m"; got "soon"');
});
