import fs from 'node:fs/promises';
import lockfile from 'proper-lockfile';
import {isErrnoCode, SpoolError} from '../errors.ts';
import type {WorkflowLayout} from './workflow-layout.ts';

/** A lock not refreshed for this long belongs to a dead orchestrator and is taken over. proper-lockfile's minimum. */
const STALE_MS = 5000;

/**
 * Only one orchestrator may queue a home's workflows, or two would write the same task twice. The lock
 * is a folder whose mtime the holder refreshes; a killed holder's lock goes stale, and a new orchestrator
 * waits for that instead of failing. Resolves with the release function.
 */
export async function lockWorkflows(layout: WorkflowLayout, onCompromised: (error: Error) => void): Promise<() => Promise<void>> {
	await fs.mkdir(layout.results, {recursive: true});
	try {
		return await lockfile.lock(layout.results, {
			lockfilePath: layout.lockFile,
			stale: STALE_MS,
			update: 1000,
			retries: {retries: Math.ceil((STALE_MS * 1.5) / 500), minTimeout: 500, maxTimeout: 500, factor: 1},
			onCompromised,
		});
	} catch (error) {
		if (isErrnoCode(error, 'ELOCKED')) {
			throw new SpoolError('orchestrator_running', `another orchestrator is running in this spool home: it holds ${layout.lockFile}; stop it first`, {cause: error});
		}

		throw error;
	}
}
