import fs from 'node:fs/promises';
import path from 'node:path';
import {buildResult, type TaskResult} from '../../src/queue/result.ts';

/**
 * A result as a worker loop writes it, finished at `finishedAt` (its file's mtime too, as a loop's is):
 * a succeeded first attempt of WORKER/ID unless `fields` says otherwise.
 */
export async function writeResult(home: string, worker: string, id: string, fields: Partial<TaskResult> = {}, finishedAt = new Date()): Promise<string> {
	const startedAt = new Date(finishedAt.getTime() - (fields.durationMs ?? 1000));
	const result = buildResult({id, worker, owner: 'test-loop', runId: `run-${id}`, attempts: 1, startedAt}, {status: 'succeeded', finishedAt: finishedAt.toISOString(), ...fields});
	const file = path.join(home, 'results', worker, `${id}.json`);
	await fs.mkdir(path.dirname(file), {recursive: true});
	await fs.writeFile(file, JSON.stringify(result));
	await fs.utimes(file, finishedAt, finishedAt);
	return file;
}
