import fs from 'node:fs';
import path from 'node:path';
import {z} from 'zod';
import {isErrnoCode} from '../errors.ts';
import {entryKindAt, readdirOrEmpty} from '../queue/read-file.ts';

/**
 * Where the orchestrator's files live in a spool home (the queue's own folders are in queue/layout.ts):
 *   goals/NAME.md|.txt                 a goal dropped by a person: planned into workflows/NAME.plan.json
 *   workflows/ID.yaml|.yml|.json       a hand-written workflow
 *   workflows/ID.plan.json             a workflow the planner wrote
 *   results/workflows/ID.state.json    the run's state, rewritten as tasks are queued and finish
 *   results/workflows/ID.json, ID.md   written once, when the workflow is done (or was rejected)
 *   results/workflows/.history/        earlier rejections of a workflow file that was since fixed
 * A workflow's task T for worker W is the ordinary task tasks/W/ID--T.json.
 */
export type WorkflowLayout = ReturnType<typeof createWorkflowLayout>;

/** workflows/ID.plan.json, ID.json, ID.yaml, ID.yml: the longest suffix first, so "x.plan.json" is "x". */
export const WORKFLOW_SUFFIXES = ['.plan.json', '.json', '.yaml', '.yml'] as const;

export function createWorkflowLayout(home: string) {
	const results = path.join(home, 'results', 'workflows');
	return {
		home,
		goals: path.join(home, 'goals'),
		workflows: path.join(home, 'workflows'),
		workflowFile: (id: string, suffix: (typeof WORKFLOW_SUFFIXES)[number]) => path.join(home, 'workflows', `${id}${suffix}`),
		planFile: (id: string) => path.join(home, 'workflows', `${id}.plan.json`),
		results,
		stateFile: (id: string) => path.join(results, `${id}.state.json`),
		resultFile: (id: string) => path.join(results, `${id}.json`),
		summaryFile: (id: string) => path.join(results, `${id}.md`),
		history: path.join(results, '.history'),
		historyFile: (id: string, stamp: string, extension: 'json' | 'md') => path.join(results, '.history', `${id}.${stamp}.${extension}`),
		lockFile: path.join(results, '.orchestrator.lock'),
		plannerTranscript: (id: string) => path.join(home, 'logs', 'planner', `${id}.jsonl`),
		plannerAuthHome: path.join(home, 'auth-homes', 'orchestrator'),
	};
}

/** A record's `version`: absent in files written before it existed (read as 1); one from a newer spool is refused, not guessed at. */
export function versionField(current: number, what: string) {
	return z
		.number()
		.int()
		.min(1)
		.max(current, `this ${what} was written by a newer spool (this one reads up to version ${current}); upgrade spool`)
		.default(1);
}

/** The ids with a file of `suffix` in results/workflows/: ".state.json" for states, ".json" for results. */
export function listRecordIds(layout: WorkflowLayout, suffix: '.state.json' | '.json'): string[] {
	const names = readdirOrEmpty(layout.results).filter(name => !name.startsWith('.') && name.endsWith(suffix));
	return (suffix === '.json' ? names.filter(name => !name.endsWith('.state.json')) : names).map(name => name.slice(0, -suffix.length));
}

/** True when a workflow file, a state or a result already uses the id (whatever kind of entry it is). */
export function isWorkflowIdTaken(layout: WorkflowLayout, id: string): boolean {
	const candidates = [...WORKFLOW_SUFFIXES.map(suffix => layout.workflowFile(id, suffix)), layout.stateFile(id), layout.resultFile(id)];
	return candidates.some(file => entryKindAt(file) !== undefined);
}

/** A rejected workflow whose file was fixed: the rejection moves to .history/ and the file is checked again. */
export function archiveRejection(layout: WorkflowLayout, id: string): void {
	const stamp = new Date().toISOString().replaceAll(':', '-');
	fs.mkdirSync(layout.history, {recursive: true});
	for (const [file, extension] of [[layout.resultFile(id), 'json'], [layout.summaryFile(id), 'md']] as const) {
		try {
			fs.renameSync(file, layout.historyFile(id, stamp, extension));
		} catch (error) {
			if (!isErrnoCode(error, 'ENOENT')) {
				throw error;
			}
		}
	}
}
