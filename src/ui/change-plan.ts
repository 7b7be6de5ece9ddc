import path from 'node:path';
import type {Layout} from '../queue/layout.ts';
import type {FolderChange} from './home-watcher.ts';

/** What a batch of folder changes asks of the index and the pages. */
export type ChangePlan = {
	/** Workers whose tasks/, processing/ or waiting/ moved: their live entries are listed again. */
	live: Set<string>;
	/** Results named by an event: one lstat each. */
	results: Array<{worker: string; id: string}>;
	/** Workers whose results/ moved with no name known: listed again. */
	reconcile: Set<string>;
	/** Transcripts that grew: `WORKER/ID`. */
	transcripts: Set<string>;
	/** Tasks whose file beside the result changed (a repo task's patch): `WORKER/ID`, told as moved. */
	touched: Set<string>;
	/** The overview (counts, pauses, cost, questions) may have changed. */
	overview: boolean;
	/** ledger/ moved: today's cost chart reads on. */
	ledger: boolean;
	/** workflows/ or results/workflows/ moved: a workflow started, moved on or finished. */
	workflows: boolean;
	/** reports/ moved: a report was written. */
	reports: boolean;
};

const WATCHED_ROOTS = ['tasks', 'processing', 'waiting', 'results', 'paused', 'ledger', 'control', 'workflows', 'reports'];
const QUESTION_FILE = /^(.+)\.(question|approval|answer)\.md$/;

/** Reads each change by the folder it is in (layout.ts's paths); a rescan, or a change at the home's top, asks for everything. */
export function planChanges(layout: Layout, workers: readonly string[], changes: readonly FolderChange[], rescan: boolean): ChangePlan {
	const plan: ChangePlan = {live: new Set(), results: [], reconcile: new Set(), transcripts: new Set(), touched: new Set(), overview: rescan, ledger: rescan, workflows: rescan, reports: rescan};
	const everything = () => {
		for (const worker of workers) {
			plan.live.add(worker);
			plan.reconcile.add(worker);
		}

		plan.overview = true;
		plan.ledger = true;
		plan.workflows = true;
		plan.reports = true;
	};

	if (rescan) {
		everything();
	}

	for (const {dir, name} of changes) {
		const parts = path.relative(layout.home, dir).split(path.sep).filter(Boolean);
		const [root, worker] = parts;
		if (root === undefined && name !== undefined && !WATCHED_ROOTS.includes(name)) {
			continue; // spool.yaml, logs/, workspaces/...: nothing the dashboard shows.
		}

		if (root === undefined || (worker === undefined && ['tasks', 'processing', 'waiting', 'results'].includes(root))) {
			// A state folder itself, or one of a worker's, came or went.
			everything();
			continue;
		}

		if (root === 'paused' || root === 'ledger' || root === 'control') {
			plan.overview = true;
			plan.ledger ||= root === 'ledger';
			continue;
		}

		if (root === 'workflows' || (root === 'results' && worker === 'workflows')) {
			// A workflow's file, state, result or summary (no worker may be named "workflows").
			plan.workflows = true;
			plan.overview = true;
			continue;
		}

		if (root === 'reports') {
			plan.reports = true;
			continue;
		}

		if (worker === undefined || !workers.includes(worker)) {
			continue;
		}

		if (root === 'tasks' || root === 'processing' || root === 'waiting') {
			plan.live.add(worker);
			plan.overview = true;
		} else if (root === 'results' && parts.length === 2) {
			planResultChange(plan, worker, name);
		}
	}

	return plan;
}

function planResultChange(plan: ChangePlan, worker: string, name: string | undefined): void {
	if (name === undefined) {
		plan.reconcile.add(worker);
		plan.overview = true;
		return;
	}

	if (name.startsWith('.')) {
		return; // A temp file, or .history/: the rename into place that follows names the file.
	}

	if (name.endsWith('.jsonl')) {
		plan.transcripts.add(`${worker}/${name.slice(0, -'.jsonl'.length)}`);
	} else if (name.endsWith('.json')) {
		plan.results.push({worker, id: name.slice(0, -'.json'.length)});
		plan.overview = true;
	} else if (name.endsWith('.patch')) {
		plan.touched.add(`${worker}/${name.slice(0, -'.patch'.length)}`);
	} else if (QUESTION_FILE.test(name)) {
		plan.overview = true;
	}
}
