import fs from 'node:fs/promises';
import path from 'node:path';
import {crashPoint} from '../crash-points.ts';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor} from './atomic-write.ts';
import type {Claim} from './claim.ts';
import type {Layout} from './layout.ts';
import {fenceClaim} from './lease.ts';

export type CommitOutcome = 'written' | 'lease-lost' | 'duplicate';

/**
 * Writes results/WORKER/ID.json exactly once. The result is written to a temp file and fsynced first;
 * then the claim is fenced (one atomic rename decides between this loop and a sweeper), and the result
 * is hard-linked into place, which fails rather than overwrite a result another loop wrote.
 */
export async function commitResult(layout: Layout, claim: Claim, result: {runId: string}): Promise<CommitOutcome> {
	const file = layout.resultFile(claim.worker, claim.id);
	const temp = tempPathFor(file);
	const handle = await fs.open(temp, 'wx');
	try {
		await handle.writeFile(`${JSON.stringify(result, null, 2)}\n`);
		await handle.sync();
	} finally {
		await handle.close();
	}

	crashPoint('after-temp-result');
	let out: string | undefined;
	try {
		out = await fenceClaim(claim.file, path.dirname(claim.file));
		if (!out) {
			return 'lease-lost';
		}

		try {
			await fs.link(temp, file);
			crashPoint('after-rename');
		} catch (error) {
			if (isErrnoCode(error, 'EEXIST')) {
				return 'duplicate';
			}

			throw error;
		}

		await syncDirectory(layout.results(claim.worker));
		await fs.rm(out, {force: true});
		return 'written';
	} finally {
		await fs.rm(temp, {force: true});
	}
}

/**
 * A task id used again after its result was written: the earlier result and transcript move to
 * results/WORKER/.history/ so the new run writes its own and nothing is lost. Without a result the
 * transcript belongs to an earlier attempt of this same task, and the new attempt appends to it.
 */
export async function archivePreviousResult(layout: Layout, worker: string, id: string): Promise<void> {
	const resultFile = layout.resultFile(worker, id);
	if (!(await fs.stat(resultFile).catch(() => undefined))) {
		return;
	}

	const stamp = new Date().toISOString().replaceAll(':', '-');
	await fs.mkdir(layout.history(worker), {recursive: true});
	await fs.rename(resultFile, path.join(layout.history(worker), `${id}.${stamp}.json`));
	await fs.rename(layout.transcriptFile(worker, id), path.join(layout.history(worker), `${id}.${stamp}.jsonl`)).catch(error => {
		if (!isErrnoCode(error, 'ENOENT')) {
			throw error;
		}
	});
}
