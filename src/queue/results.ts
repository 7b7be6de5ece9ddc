import fs from 'node:fs';
import path from 'node:path';
import {crashPoint} from '../crash-points.ts';
import {isErrnoCode} from '../errors.ts';
import {syncDirectory, tempPathFor, writeFileDurable} from './atomic-write.ts';
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
	await writeFileDurable(temp, `${JSON.stringify(result, null, 2)}\n`);

	crashPoint('after-temp-result');
	let out: string | undefined;
	try {
		out = fenceClaim(claim.file, path.dirname(claim.file));
		if (!out) {
			return 'lease-lost';
		}

		try {
			fs.linkSync(temp, file);
			crashPoint('after-rename');
		} catch (error) {
			if (isErrnoCode(error, 'EEXIST')) {
				return 'duplicate';
			}

			throw error;
		}

		await syncDirectory(layout.results(claim.worker));
		fs.rmSync(out, {force: true});
		return 'written';
	} finally {
		fs.rmSync(temp, {force: true});
	}
}

/**
 * A task id used again after its result was written: the earlier result and transcript move to
 * results/WORKER/.history/ so the new run writes its own and nothing is lost. Without a result the
 * transcript belongs to an earlier attempt of this same task, and the new attempt appends to it.
 */
export async function archivePreviousResult(layout: Layout, worker: string, id: string): Promise<void> {
	const resultFile = layout.resultFile(worker, id);
	if (!fs.existsSync(resultFile)) {
		return;
	}

	const stamp = new Date().toISOString().replaceAll(':', '-');
	fs.mkdirSync(layout.history(worker), {recursive: true});
	fs.renameSync(resultFile, path.join(layout.history(worker), `${id}.${stamp}.json`));
	try {
		fs.renameSync(layout.transcriptFile(worker, id), path.join(layout.history(worker), `${id}.${stamp}.jsonl`));
	} catch (error) {
		if (!isErrnoCode(error, 'ENOENT')) {
			throw error;
		}
	}
}
