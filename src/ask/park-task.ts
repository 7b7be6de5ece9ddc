import fs from 'node:fs';
import {park, type Claim} from '../lifecycle/index.ts';
import {emitOnce} from '../events/events.ts';
import {writeFileAtomic} from '../queue/atomic-write.ts';
import type {Task} from '../queue/task-schema.ts';
import type {ClaudeExit} from '../worker/run-claude.ts';
import type {TaskContext, TaskEnd} from '../worker/run-task.ts';
import {ASK_TOOL, questionOf, type AskRecord, type Question} from './ask-record.ts';
import {judge, type PolicyRules} from '../policy/rules.ts';
import {renderQuestion} from './question-file.ts';

/** The ask_human call a run ended on: claude deferred it (our hook said so) and named it in its result line. */
export function askedQuestion(exit: Pick<ClaudeExit, 'final'>): {toolUseId: string; question: Question} | undefined {
	const deferred = exit.final?.deferred_tool_use as {id?: unknown; name?: unknown; input?: unknown} | undefined;
	if (deferred?.name !== ASK_TOOL || typeof deferred.id !== 'string') {
		return undefined;
	}

	const question = questionOf(deferred.input);
	return question && {toolUseId: deferred.id, question};
}

/**
 * The call a run ended on because the policy asks a person first (policy.ask): claude deferred it on the
 * hook's word. Any deferred call but ask_human is one; its rule is found again from the policy.
 */
export function askedApproval(exit: Pick<ClaudeExit, 'final'>, policy: PolicyRules): {toolUseId: string; question: Question & Pick<AskRecord, 'kind' | 'tool' | 'command' | 'rule'>} | undefined {
	const deferred = exit.final?.deferred_tool_use as {id?: unknown; name?: unknown; input?: unknown} | undefined;
	if (typeof deferred?.id !== 'string' || typeof deferred.name !== 'string' || deferred.name === ASK_TOOL) {
		return undefined;
	}

	const input = deferred.input as {command?: unknown} | undefined;
	const command = typeof input?.command === 'string' ? input.command : JSON.stringify(deferred.input ?? null);
	const verdict = judge(command, policy);
	const rule = verdict.kind === 'ask' ? verdict.rule : undefined;
	return {
		toolUseId: deferred.id,
		question: {kind: 'approval', tool: deferred.name, command, ...(rule ? {rule} : {}), question: `May the agent run ${deferred.name === 'Bash' ? '' : `${deferred.name} `}\`${command.slice(0, 500)}\`?${rule ? ` (policy.ask rule "${rule}")` : ''}`},
	};
}

/**
 * The task as it waits: the task file as it came (its own fields, its history), its attempt not counted,
 * the question in `ask`, and an earlier answered question moved to `questions`.
 */
export function waitingContent(raw: Record<string, unknown>, task: Pick<Task, 'ask' | 'questions'>, attempts: number, history: readonly unknown[], ask: AskRecord): Record<string, unknown> {
	const {runId: _runId, retryAt: _retryAt, ask: _ask, questions: _questions, history: _history, ...fields} = raw;
	const questions = [...(task.questions ?? []), ...(task.ask ? [task.ask] : [])];
	return {...fields, attempts, ...(history.length > 0 ? {history} : {}), ...(questions.length > 0 ? {questions} : {}), ask};
}

/**
 * Parks the task in waiting/ (lifecycle park), then writes results/W/ID.question.md for the person and
 * a `question` event for the notifications. The run is over: its slot is free for the next task.
 */
export async function parkTask(context: TaskContext, claim: Claim, task: Task, content: Record<string, unknown>, steps: readonly string[], options: {recovered?: boolean} = {}): Promise<TaskEnd> {
	const outcome = await park(context.layout, claim, content);
	if (outcome === 'lease-lost') {
		context.logger.warn('lease lost to another loop before the question could be parked: no waiting task written');
		return {kind: 'fenced'};
	}

	const ask = content.ask as AskRecord;
	if (outcome === 'name-taken') {
		context.logger.error({file: context.layout.waitingFile(claim.worker, claim.id)}, 'another task of this id already waits for an answer: this one stays beside the claims until it is free');
		return {kind: 'fenced'};
	}

	const ref = `${claim.worker}/${claim.id}`;
	const settings = context.config.ask;
	if (!options.recovered) {
		setAsideAnswerFile(context, claim.worker, claim.id);
	}

	const questionFile = pageOf(context.layout, claim.worker, claim.id, ask);
	const earlier = (content.questions ?? []) as AskRecord[];
	try {
		await writeFileAtomic(questionFile, renderQuestion({worker: claim.worker, id: claim.id, prompt: task.prompt, ask, steps, earlier, settings}));
	} catch (error) {
		context.logger.error({err: error, file: questionFile}, 'cannot write the question file; the task waits all the same (spool list shows it, spool answer answers it)');
	}

	try {
		// Once per question: a task parked again (a crash between the park's steps) is told only if it was not yet.
		emitOnce(context.layout, context.config.budget.timezone, `question-${claim.worker}-${claim.id}-${ask.toolUseId}`, {
			type: 'question',
			time: ask.askedAt,
			message: ask.kind === 'approval'
				? `${ref} asks approval to run \`${(ask.command ?? '').slice(0, 300)}\`${ask.rule ? ` (policy.ask rule "${ask.rule}")` : ''}. Reply approve, or deny and why; or spool approve ${ref} / spool deny ${ref} --why "..."`
				: `${ref} asks: ${ask.question}${ask.options?.length ? ` (options: ${ask.options.join(' / ')})` : ''}. Answer with: spool answer ${ref} "..."`,
			kind: ask.kind ?? 'question',
			worker: claim.worker,
			id: claim.id,
			toolUseId: ask.toolUseId,
			question: ask.question,
			...(ask.options ? {options: ask.options} : {}),
		});
	} catch (error) {
		context.logger.error({err: error}, 'cannot record the question event; no notification is sent for it');
	}

	context.logger.info({question: ask.question, session: ask.sessionId, costUsd: ask.costUsd}, options.recovered
		? 'a task that waits for an answer was found in tasks/: it waits again in waiting/, unrun'
		: 'the agent asked a person: the task waits for the answer in waiting/, its slot free');
	return {kind: 'waiting'};
}

/** An answer.md left from an earlier question (written after it was answered another way) moves to .history/: it answers no new question. */
function setAsideAnswerFile(context: TaskContext, worker: string, id: string): void {
	const file = context.layout.answerFile(worker, id);
	if (!fs.lstatSync(file, {throwIfNoEntry: false})) {
		return;
	}

	try {
		fs.mkdirSync(context.layout.history(worker), {recursive: true});
		fs.renameSync(file, context.layout.historyFile(worker, id, new Date().toISOString().replaceAll(':', '-'), 'answer.md'));
		context.logger.warn({file}, 'an answer file from an earlier question was moved to .history/: it does not answer the new one');
	} catch (error) {
		context.logger.error({err: error, file}, 'cannot move an answer file of an earlier question aside');
	}
}

/** question.md, rewritten when it went missing (a crash after the park, a person who deleted it). */
export async function ensureQuestionFile(context: Pick<TaskContext, 'layout' | 'config'>, worker: string, id: string, task: Task): Promise<void> {
	if (!task.ask) {
		return;
	}

	const file = pageOf(context.layout, worker, id, task.ask);
	if (fs.lstatSync(file, {throwIfNoEntry: false})) {
		return;
	}

	await writeFileAtomic(file, renderQuestion({worker, id, prompt: task.prompt, ask: task.ask, steps: [], earlier: task.questions ?? [], settings: context.config.ask}));
}

/** Where the person reads what waits for them: results/W/ID.question.md, or ID.approval.md for an approval. */
export function pageOf(layout: TaskContext['layout'], worker: string, id: string, ask: Pick<AskRecord, 'kind'>): string {
	return ask.kind === 'approval' ? layout.approvalFile(worker, id) : layout.questionFile(worker, id);
}
