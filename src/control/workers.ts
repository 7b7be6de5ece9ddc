import type {Config} from '../config/load.ts';
import type {WorkerSnapshot} from '../queue/snapshot.ts';
import {readHomeStatus} from './status.ts';

export type WorkerSummary = WorkerSnapshot & {description: string | null; model: string | null; concurrency: number};

/** The workers of spool.yaml, each with what it is for and its queue as the folders show it now. */
export async function listWorkers(config: Config): Promise<WorkerSummary[]> {
	const {workers} = await readHomeStatus(config);
	return workers.map(snapshot => {
		const worker = config.workers[snapshot.worker]!;
		return {...snapshot, description: worker.description ?? null, model: worker.model ?? null, concurrency: worker.concurrency};
	});
}
