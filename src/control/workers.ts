import type {Config} from '../config/load.ts';
import {createLayout} from '../queue/layout.ts';
import {snapshotWorker, type WorkerSnapshot} from '../queue/snapshot.ts';

export type WorkerSummary = WorkerSnapshot & {description: string | null; model: string | null; concurrency: number};

/** The workers of spool.yaml, each with what it is for and its queue as the folders show it now. */
export async function listWorkers(config: Config): Promise<WorkerSummary[]> {
	const layout = createLayout(config.home);
	return Promise.all(
		Object.values(config.workers).map(async worker => ({
			...(await snapshotWorker(layout, worker.name, config.queue.lease)),
			description: worker.description ?? null,
			model: worker.model ?? null,
			concurrency: worker.concurrency,
		})),
	);
}
