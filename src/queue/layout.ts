import path from 'node:path';

/**
 * Where everything lives in a spool home. A task's state is the folder it lies in:
 *   tasks/W/ID.json                  pending
 *   processing/W/OWNER/ID.json       claimed by the worker loop OWNER (its mtime is the lease)
 *   processing/W/OWNER/ID@N.RUN.json  the same once claude has started: attempt N, run RUN
 *   results/W/ID.json, ID.jsonl      the result, and the live transcript
 *   waiting/W/ID.json                a task waiting for a person's answer to its agent's question (ask/)
 *   results/W/ID.question.md         that question, for the person; ID.answer.md their answer
 *   results/W/ID.approval.md         a command of policy.ask that waits for a person's approval
 *   rejected/W/ID.json               the original of a task that was rejected
 *   processing/W/OWNER/.owner.json   which process the loop OWNER is (queue/owner-file.ts)
 *   control/cancel/W/ID.json         a request to cancel a task (spool cancel), for the loop that holds it
 *   control/workflows/ID.json        a request to cancel or retry a workflow, for the orchestrator
 *   control/down.json                a request of `spool down` to every loop of the home
 *   control/orchestrator.json        which process the running orchestrator is, and its heartbeat
 *   control/ui-token                 the dashboard's token for actions (mode 0600, made once); control/ui.json its address
 *   ledger/DATE.jsonl                one line per run that reached claude: its cost (ledger/entry.ts)
 *   ledger/.DATE.tally.json          a cache of the sums of that file's first bytes
 *   events/DATE.jsonl                what spool tells a person about (a budget warning...), for notifications
 *   outbox/ID.json                   a notification of one of those events, until every target has it (notify/)
 *   outbox/sent/ID.json, failed/     delivered everywhere; given up on for some target
 *   outbox/.telegram-offset.json     how far the bot's updates (replies) have been read
 *   reports/DATE.md, DATE.json       the end-of-day report
 *   feedback/DATE.md                 a person's feedback on that day, given to the next day's tasks
 *   control/quota/ACCOUNT.json       the subscription windows of one account, and its usage-limit pause
 *   control/starts/SCOPE.json        the start-rate token bucket of the home or of one worker
 *   workspaces/W/ID/                 where a task runs by default; a git worktree when it names a repo (repos/)
 *   workspaces/W/.ID.worktree.json   that worktree's repository, branch and base commit
 *   results/W/ID.patch               the change a repo task made, against its base commit
 * Every path spool reads or writes comes from here; no other module joins a folder and a file name.
 */
export type Layout = ReturnType<typeof createLayout>;

/** A loop's owner file in its claims folder: a dot-name, so no reader of claims takes it for one. */
export const OWNER_FILE_NAME = '.owner.json';

/** The files of an auth home (auth-homes/W/) that hold a worker's credentials. */
export const CREDENTIAL_FILES = ['settings.json', '.credentials.json'] as const;

/**
 * The folders of a spool home that hold credentials, spool's own state, or what steers it (the workers'
 * prompts, workflows and goals, which a task could otherwise rewrite to queue work). No task cwd, context file or
 * deliverable may resolve into one of them, whatever cwdRoots says (queue/path-guard.ts). A later
 * feature that adds a state folder adds it here.
 */
export const PROTECTED_FOLDERS = ['auth-homes', 'tasks', 'processing', 'results', 'rejected', 'paused', 'logs', 'prompts', 'workflows', 'goals', 'control', 'archive', 'ledger', 'events', 'waiting', 'outbox', 'reports', 'feedback'] as const;

export function createLayout(home: string) {
	return {
		home,
		tasksRoot: path.join(home, 'tasks'),
		tasks: (worker: string) => path.join(home, 'tasks', worker),
		taskFile: (worker: string, id: string) => path.join(home, 'tasks', worker, `${id}.json`),
		processing: (worker: string) => path.join(home, 'processing', worker),
		claims: (worker: string, owner: string) => path.join(home, 'processing', worker, owner),
		ownerFile: (worker: string, owner: string) => path.join(home, 'processing', worker, owner, OWNER_FILE_NAME),
		results: (worker: string) => path.join(home, 'results', worker),
		resultFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.json`),
		transcriptFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.jsonl`),
		questionFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.question.md`),
		approvalFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.approval.md`),
		answerFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.answer.md`),
		waitingRoot: path.join(home, 'waiting'),
		waiting: (worker: string) => path.join(home, 'waiting', worker),
		waitingFile: (worker: string, id: string) => path.join(home, 'waiting', worker, `${id}.json`),
		history: (worker: string) => path.join(home, 'results', worker, '.history'),
		historyFile: (worker: string, id: string, stamp: string, extension: 'json' | 'jsonl' | 'question.md' | 'approval.md' | 'answer.md') => path.join(home, 'results', worker, '.history', `${id}.${stamp}.${extension}`),
		rejected: (worker: string) => path.join(home, 'rejected', worker),
		pausedRoot: path.join(home, 'paused'),
		pauseFile: (worker: string) => pauseFileOf(home, worker),
		workspace: (worker: string, id: string) => path.join(home, 'workspaces', worker, id),
		workspacesRoot: path.join(home, 'workspaces'),
		worktreeRecord: (worker: string, id: string) => path.join(home, 'workspaces', worker, `.${id}.worktree.json`),
		patchFile: (worker: string, id: string) => path.join(home, 'results', worker, `${id}.patch`),
		authHomesRoot: path.join(home, 'auth-homes'),
		authHome: (worker: string) => path.join(home, 'auth-homes', worker),
		logs: path.join(home, 'logs'),
		/** control/: requests to running loops and the orchestrator (cancel a task, a workflow, spool down), and the orchestrator's record. */
		controlRoot: path.join(home, 'control'),
		cancelRequests: (worker: string) => path.join(home, 'control', 'cancel', worker),
		cancelRequest: (worker: string, id: string) => path.join(home, 'control', 'cancel', worker, `${id}.json`),
		workflowRequests: path.join(home, 'control', 'workflows'),
		/** archive/: what spool clean moved out of results/, rejected/ and workspaces/, under the same paths. */
		archiveRoot: path.join(home, 'archive'),
		workflowRequest: (id: string) => path.join(home, 'control', 'workflows', `${id}.json`),
		downRequest: path.join(home, 'control', 'down.json'),
		orchestratorFile: path.join(home, 'control', 'orchestrator.json'),
		/** control/ui-token: the secret every action of the dashboard carries (docs/ui.md); control/ui.json: where it listens. */
		uiTokenFile: path.join(home, 'control', 'ui-token'),
		uiFile: path.join(home, 'control', 'ui.json'),
		ledgerRoot: path.join(home, 'ledger'),
		ledgerFile: (date: string) => path.join(home, 'ledger', `${date}.jsonl`),
		ledgerCacheFile: (date: string) => path.join(home, 'ledger', `.${date}.tally.json`),
		eventsRoot: path.join(home, 'events'),
		eventsFile: (date: string) => path.join(home, 'events', `${date}.jsonl`),
		onceMark: (key: string) => path.join(home, 'events', '.once', `${key}.json`),
		outboxRoot: path.join(home, 'outbox'),
		outboxFile: (id: string) => path.join(home, 'outbox', `${id}.json`),
		outboxDone: (outcome: 'sent' | 'failed') => path.join(home, 'outbox', outcome),
		outboxDoneFile: (outcome: 'sent' | 'failed', id: string) => path.join(home, 'outbox', outcome, `${id}.json`),
		telegramOffsetFile: path.join(home, 'outbox', '.telegram-offset.json'),
		reportsRoot: path.join(home, 'reports'),
		reportFile: (date: string, extension: 'md' | 'json') => path.join(home, 'reports', `${date}.${extension}`),
		feedbackRoot: path.join(home, 'feedback'),
		feedbackFile: (date: string) => path.join(home, 'feedback', `${date}.md`),
		quotaRoot: path.join(home, 'control', 'quota'),
		quotaFile: (account: string) => path.join(home, 'control', 'quota', `${account}.json`),
		/** control/skills/W/ID/: the folder a run with a skill gets as --add-dir; it holds .claude/skills/NAME, a link to the skill (docs/skills.md). */
		skillMount: (worker: string, id: string) => path.join(home, 'control', 'skills', worker, id),
		startsFile: (scope: string) => path.join(home, 'control', 'starts', `${scope}.json`),
		protectedFolders: PROTECTED_FOLDERS.map(name => path.join(home, name)),
	};
}

/** paused/WORKER.json; also for callers that hold only the home (read before every claim, so no layout is built for it). */
export function pauseFileOf(home: string, worker: string): string {
	return path.join(home, 'paused', `${worker}.json`);
}
