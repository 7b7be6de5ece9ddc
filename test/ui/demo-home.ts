import fs from 'node:fs';
import path from 'node:path';
import {createWorkflowLayout} from '../../src/orchestrator/store.ts';
import {createState} from '../../src/orchestrator/state.ts';
import type {TaskState} from '../../src/orchestrator/task-state.ts';
import {buildResult, type TaskResult} from '../../src/queue/result.ts';

/**
 * What the dashboard's views read, written straight into a home as spool writes it: results, ledger
 * lines, a subscription account's record, a repo task's patch, a report, a workflow's state. For the
 * browser tests of those views and for the screenshots (test/ui/screenshots.ts).
 */
function write(file: string, text: string): void {
	fs.mkdirSync(path.dirname(file), {recursive: true});
	fs.writeFileSync(file, text);
}

export function writeResult(home: string, worker: string, id: string, outcome: Partial<Omit<TaskResult, 'version' | 'id' | 'worker' | 'owner' | 'runId'>> = {}): void {
	const finishedAt = (outcome.finishedAt as string | undefined) ?? new Date().toISOString();
	const result = buildResult({id, worker, owner: 'demo-loop', runId: `run-${id}`, attempts: 1, startedAt: new Date(Date.parse(finishedAt) - 42_000)}, {status: 'succeeded', costUsd: 0.05, finishedAt, durationMs: 42_000, model: 'claude-sonnet-4-5', ...outcome});
	write(path.join(home, 'results', worker, `${id}.json`), JSON.stringify(result, null, 2));
}

/** One ledger line per run, as a loop appends it, in ledger/DATE.jsonl of the run's UTC date (the home's budget.timezone is UTC). */
export function appendLedger(home: string, runs: Array<{time: number; costUsd: number; worker?: string; task?: string}>): void {
	for (const [n, run] of runs.entries()) {
		const time = new Date(run.time).toISOString();
		const line = {version: 1, time, worker: run.worker ?? 'coder', task: run.task ?? `job-${n}`, attempt: 1, runId: `run-${n}-${run.time}`, outcome: 'succeeded', error: null, costUsd: run.costUsd, usage: {input: 1000, output: 200, cacheRead: 0, cacheWrite: 0}, model: 'claude-sonnet-4-5', durationMs: 30_000, workflow: null, auth: 'api-key', sessionId: null};
		fs.mkdirSync(path.join(home, 'ledger'), {recursive: true});
		fs.appendFileSync(path.join(home, 'ledger', `${time.slice(0, 10)}.jsonl`), `${JSON.stringify(line)}\n`);
	}
}

/** control/quota/ACCOUNT.json as a loop records a run's rate_limit_event: the windows, who saw them, on which account. */
export function writeQuota(home: string, account: string, workers: string[], windows: Record<string, {utilization: number; resetsInMs: number}>): void {
	const now = Date.now();
	const record = {
		version: 1,
		account,
		source: 'account',
		updatedAt: new Date(now - 4 * 60_000).toISOString(),
		observedBy: workers[0],
		workers,
		status: 'allowed',
		rateLimitType: 'five_hour',
		isUsingOverage: false,
		windows: Object.fromEntries(Object.entries(windows).map(([name, window]) => [name, {utilization: window.utilization, resetsAt: new Date(now + window.resetsInMs).toISOString(), status: 'allowed'}])),
	};
	write(path.join(home, 'control', 'quota', `${account}.json`), JSON.stringify(record, null, 2));
}

export function writePatch(home: string, worker: string, id: string, text = SAMPLE_PATCH): void {
	write(path.join(home, 'results', worker, `${id}.patch`), text);
}

export function writeReport(home: string, date: string, markdown: string, figures?: {total: number; failed: number; costUsd: number}): void {
	write(path.join(home, 'reports', `${date}.md`), markdown);
	if (figures) {
		const summary = {tasks: {total: figures.total, states: {succeeded: figures.total - figures.failed, ...(figures.failed ? {failed: figures.failed} : {})}}, cost: {runs: figures.total, costUsd: figures.costUsd}};
		write(path.join(home, 'reports', `${date}.json`), JSON.stringify({version: 1, date, summary}));
	}
}

/** results/workflows/ID.state.json of a running workflow, its tasks in the states given (a queued one's task file is for the caller to place). */
export function writeWorkflowState(home: string, id: string, tasks: Array<{id: string; worker: string; dependsOn?: string[]; status: TaskState['status']; costUsd?: number}>, fields: {name?: string; description?: string} = {}): void {
	const workflow = {id, ...fields, tasks: tasks.map(task => ({id: task.id, worker: task.worker, prompt: `Do ${task.id}`, ...(task.dependsOn ? {dependsOn: task.dependsOn} : {})}))};
	const state = createState(workflow as never, [`workflows/${id}.yaml`], new Date(Date.now() - 9 * 60_000));
	const at = new Date(Date.now() - 3 * 60_000).toISOString();
	state.tasks = state.tasks.map((task, n) => {
		const {status, costUsd = 0} = tasks[n]!;
		const error = {code: status === 'skipped' ? 'dependency_failed' : 'cli_crashed', message: status === 'skipped' ? 'not run: a dependency failed' : 'claude exited with code 1'};
		if (status === 'waiting') return task;
		if (status === 'queued') return {...task, status, queuedAt: at} as TaskState;
		if (status === 'skipped') return {...task, status, finishedAt: at, error} as TaskState;
		return {...task, status, queuedAt: at, finishedAt: at, costUsd, durationMs: 61_000, attempts: 1, error: status === 'failed' ? error : null} as TaskState;
	});
	write(createWorkflowLayout(home).stateFile(id), JSON.stringify(state, null, 2));
}

export const SAMPLE_PATCH = `diff --git a/src/cli/flags.ts b/src/cli/flags.ts
index 3b18e51..a9c2f04 100644
--- a/src/cli/flags.ts
+++ b/src/cli/flags.ts
@@ -12,9 +12,13 @@ export type Flags = {
 	json: boolean;
 	quiet: boolean;
+	/** Say each step as it runs. */
+	verbose: boolean;
 };
 
 export function parseFlags(argv: string[]): Flags {
-	const flags: Flags = {json: false, quiet: false};
+	const flags: Flags = {json: false, quiet: false, verbose: false};
 	for (const arg of argv) {
 		if (arg === '--json') flags.json = true;
 		if (arg === '--quiet') flags.quiet = true;
+		if (arg === '--verbose' || arg === '-v') flags.verbose = true;
 	}
diff --git a/docs/cli.md b/docs/cli.md
new file mode 100644
index 0000000..e69de29
--- /dev/null
+++ b/docs/cli.md
@@ -0,0 +1,3 @@
+# Flags
+
+\`--verbose\` (\`-v\`) says each step as it runs.
`;

export const SAMPLE_REPORT = `# spool report 2026-12-01

The day of 2026-12-01 in UTC, written at 18:00 by the orchestrator at report.at.

14 tasks: 12 succeeded, 2 failed.

Spent $1.8210 in 16 runs, within the home's daily budget of $5 (36%).

## Workers

| worker | tasks | succeeded | failed | cost |
| --- | --- | --- | --- | --- |
| coder | 10 | 9 | 1 | $1.4100 |
| reviewer | 4 | 3 | 1 | $0.4110 |

## Failures

- \`coder/flaky-test\`: **cli_crashed**, claude exited with code 1 (2 attempts, $0.0830)
- \`reviewer/lint\`: **max_turns**, the run reached its 30 turns

## Notes

A result quoted <script>alert("x")</script> and <img src=x onerror="alert(1)"> as text, and a [bad link](javascript:alert(1)) and a [good one](https://example.com/notes).

## Feedback

Write what should change tomorrow in \`feedback/2026-12-01.md\`.
`;
