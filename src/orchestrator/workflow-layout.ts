import path from 'node:path';

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

export function createWorkflowLayout(home: string) {
	const results = path.join(home, 'results', 'workflows');
	return {
		goals: path.join(home, 'goals'),
		workflows: path.join(home, 'workflows'),
		planFile: (id: string) => path.join(home, 'workflows', `${id}.plan.json`),
		results,
		stateFile: (id: string) => path.join(results, `${id}.state.json`),
		resultFile: (id: string) => path.join(results, `${id}.json`),
		summaryFile: (id: string) => path.join(results, `${id}.md`),
		history: path.join(results, '.history'),
		lockFile: path.join(results, '.orchestrator.lock'),
		plannerTranscript: (id: string) => path.join(home, 'logs', 'planner', `${id}.jsonl`),
		plannerAuthHome: path.join(home, 'auth-homes', 'orchestrator'),
	};
}

/** The queue id of a workflow's task: unique across workflows because neither id may contain "--". */
export function taskIdFor(workflowId: string, taskId: string): string {
	return `${workflowId}--${taskId}`;
}
