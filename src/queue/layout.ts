import path from 'node:path';

/**
 * Where everything lives in a spool home. A task's state is the folder it lies in:
 *   tasks/W/ID.json                  pending
 *   processing/W/OWNER/ID.json       claimed by the worker loop OWNER (its mtime is the lease)
 *   processing/W/OWNER/ID@N.RUN.json  the same once claude has started: attempt N, run RUN
 *   results/W/ID.json, ID.jsonl      the result, and the live transcript
 *   rejected/W/ID.json               the original of a task that was rejected
 */
export type Layout = ReturnType<typeof createLayout>;

/** The files of an auth home (auth-homes/W/) that hold a worker's credentials. */
export const CREDENTIAL_FILES = ['settings.json', '.credentials.json'] as const;

export function createLayout(home: string) {
	return {
		home,
		tasksRoot: path.join(home, 'tasks'),
		tasks: (worker: string) => path.join(home, 'tasks', worker),
		processing: (worker: string) => path.join(home, 'processing', worker),
		claims: (worker: string, owner: string) => path.join(home, 'processing', worker, owner),
		results: (worker: string) => path.join(home, 'results', worker),
		resultFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.json`),
		transcriptFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.jsonl`),
		history: (worker: string) => path.join(home, 'results', worker, '.history'),
		rejected: (worker: string) => path.join(home, 'rejected', worker),
		workspace: (worker: string, id: string) => path.join(home, 'workspaces', worker, id),
		authHome: (worker: string) => path.join(home, 'auth-homes', worker),
		logs: path.join(home, 'logs'),
	};
}
