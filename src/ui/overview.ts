import type {Config} from '../config/load.ts';
import {readWaitingTasks} from '../ask/waiting-tasks.ts';
import {readHomeStatus} from '../control/status.ts';
import {readTranscriptTail, runOf} from '../control/transcript.ts';
import {quotaAccounts} from './quota-accounts.ts';
import type {TaskIndex} from './task-index.ts';

/** A question or an approval a task waits on: the top of the Overview, and the Inbox. */
export type InboxItem = {
	worker: string;
	id: string;
	kind: 'question' | 'approval';
	question: string;
	options?: string[];
	context?: string;
	/** For an approval: the command that waits, and the rule that asks. */
	command?: string;
	rule?: string;
	askedAt: string;
	prompt: string;
};

/**
 * GET /api/overview: each worker's loops, running tasks (with the tool each is in), pending count and
 * pause; today's cost against the budget; the subscription accounts' windows; what waits for a person. From `spool status`'s own reader
 * (folder listings and the ledger, never every result), and the transcripts' ends of running tasks.
 */
export async function readOverview(config: Config, index: TaskIndex) {
	const status = await readHomeStatus(config);
	const inbox = readInbox(config, index);
	const workers = status.workers.map(snapshot => ({
		...snapshot,
		description: config.workers[snapshot.worker]?.description ?? null,
		runningTasks: index.liveOf(snapshot.worker).filter(row => row.state === 'running').map(row => {
			const location = index.locate(row.worker, row.id);
			const run = location?.attempt === undefined ? undefined : runOf(readTranscriptTail(index.layout.transcriptFile(row.worker, row.id), 64 * 1024));
			return {id: row.id, attempt: row.attempts, prompt: row.prompt, startedAt: run?.startedAt === undefined ? null : new Date(run.startedAt).toISOString(), tool: run?.tool ?? null};
		}),
	}));
	return {home: status.home, date: status.date, timezone: status.timezone, budget: status.budget, today: status.today, workers, quotaAccounts: quotaAccounts(status.workers.map(worker => worker.quota)), inbox, unknownFolders: status.unknownFolders, workflows: status.workflows.filter(workflow => workflow.status === 'running')};
}

export function readInbox(config: Config, index: TaskIndex): InboxItem[] {
	return readWaitingTasks(index.layout, Object.keys(config.workers)).map(({worker, id, task}) => {
		const {ask} = task;
		return {
			worker,
			id,
			kind: ask.kind ?? 'question',
			question: ask.question,
			...(ask.options ? {options: ask.options} : {}),
			...(ask.context ? {context: ask.context} : {}),
			...(ask.command ? {command: ask.command} : {}),
			...(ask.rule ? {rule: ask.rule} : {}),
			askedAt: ask.askedAt,
			prompt: task.prompt,
		};
	});
}
