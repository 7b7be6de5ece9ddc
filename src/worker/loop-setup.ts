import fs from 'node:fs/promises';
import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import {SpoolError} from '../errors.ts';
import type {Logger} from '../log/logger.ts';
import type {Layout} from '../queue/layout.ts';
import {writeOwnerFile} from '../queue/owner-file.ts';
import {checkSameFilesystem} from '../queue/probe.ts';
import {sweepRunTemps} from '../sandbox/for-run.ts';
import {sandboxRefusal} from '../sandbox/refusal.ts';
import {warmSpawner} from './spawner.ts';

/**
 * What a loop checks and makes before its first claim: its prompt file and its sandbox (a SpoolError
 * that names the problem), the process that starts its runs, its folders and owner file, its auth home
 * (0700), and whether the folders spool writes can be written (logged; tasks wait until they can).
 */
export async function prepareLoop(options: {config: Config; worker: Readonly<WorkerConfig>; layout: Layout; owner: string; logger: Logger}): Promise<void> {
	const {config, worker, layout, owner, logger} = options;
	const {name} = worker;
	await fs.access(worker.prompt).catch(() => {
		throw new SpoolError('prompt_missing', `worker "${name}": its prompt file ${worker.prompt} does not exist`);
	});
	const unsandboxed = sandboxRefusal(config, worker);
	if (unsandboxed) {
		throw new SpoolError('sandbox_unavailable', unsandboxed);
	}

	// The process that starts each claude run (spawner.ts), started now so the first task does not wait for it.
	warmSpawner();
	// Temp folders of runs a crash ended: older than any run of this worker may take.
	sweepRunTemps(name, worker.timeout + 3_600_000);

	for (const dir of [layout.tasks(name), layout.claims(name, owner), layout.results(name)]) {
		await fs.mkdir(dir, {recursive: true});
	}

	// Before the first claim: a loop that dies from here on can be proven gone by another on this machine.
	if (!(await writeOwnerFile(layout.ownerFile(name, owner)))) {
		logger.warn('this process cannot name itself from /proc: if it dies, its claims go back only when its lease runs out');
	}

	await fs.mkdir(layout.authHome(name), {recursive: true, mode: 0o700});
	await fs.chmod(layout.authHome(name), 0o700);
	for (const folder of await checkSameFilesystem(layout, name, owner)) {
		logger.error({folder}, 'a folder spool writes cannot be written now; tasks wait until it can');
	}
}
