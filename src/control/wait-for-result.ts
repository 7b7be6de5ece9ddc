import fs from 'node:fs';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {watchFolder} from '../queue/folder-watch.ts';
import {createLayout} from '../queue/layout.ts';
import type {TaskResult} from '../queue/result.ts';
import {probeTask, type TaskProbe} from './probe-task.ts';

/** How soon a task that was not found, or whose result did not parse, is looked at again before that is believed. */
const RECHECK_MS = 250;

export type WaitOptions = {
	/** Give up after this long and return where the task is then. @default Infinity */
	timeoutMs?: number;
	signal?: AbortSignal;
};

/**
 * Waits until WORKER's task ID has finished (or cannot: its result is unreadable, or it is nowhere, on two
 * looks in a row), or until the timeout or the signal; returns where the task is then. A native watch of
 * results/WORKER/ wakes it when a result lands; a look every queue.scanInterval is the truth.
 */
export async function waitForTask(config: Config, worker: string, id: string, options: WaitOptions = {}): Promise<TaskProbe> {
	const layout = createLayout(config.home);
	const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
	fs.mkdirSync(layout.results(worker), {recursive: true});
	let wake = () => {};
	const watcher = config.queue.usePolling ? undefined : watchFolder(layout.results(worker), {usePolling: false, interval: 0}, () => wake(), () => {});
	try {
		for (let doubtful = 0; ; ) {
			const found = probeTask(layout, worker, id);
			// Nowhere, or a result that does not parse: either can be a moment between two steps, so it must last.
			doubtful = found.state === 'unknown' || found.state === 'unreadable' ? doubtful + 1 : 0;
			if (found.state === 'finished' || doubtful >= 2 || Date.now() >= deadline || options.signal?.aborted) {
				return found;
			}

			await new Promise<void>(resolve => {
				const done = () => {
					clearTimeout(timer);
					options.signal?.removeEventListener('abort', done);
					resolve();
				};
				const timer = setTimeout(done, Math.min(doubtful > 0 ? RECHECK_MS : config.queue.scanInterval, deadline - Date.now()));
				options.signal?.addEventListener('abort', done, {once: true});
				wake = done;
			});
		}
	} finally {
		await watcher?.close();
	}
}

/** The result of WORKER's task ID once it has one (`spool submit --wait`); waits as long as it takes. */
export async function waitForResult(config: Config, worker: string, id: string): Promise<TaskResult> {
	const found = await waitForTask(config, worker, id);
	switch (found.state) {
		case 'finished': {
			return found.result;
		}

		case 'unreadable': {
			throw new SpoolError('result_unreadable', `${found.file} exists but is not a spool result`);
		}

		default: {
			throw new SpoolError('task_lost', `task "${id}" of ${worker} is no longer pending, running or finished (was its file removed?)`);
		}
	}
}
