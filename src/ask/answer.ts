import fs from 'node:fs';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import {endWaiting, resumeWaiting, taskAsDropped} from '../lifecycle/index.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {isObject, readJsonFile} from '../queue/read-file.ts';
import {buildResult, type TaskResult} from '../queue/result.ts';
import {TASK_LIMITS} from '../queue/task-limits.ts';
import {askRecord, MAX_ANSWER_BYTES, NO_ANSWER_TEXT, questionsOfRaw, type AskRecord} from './ask-record.ts';

export type AnswerOutcome = {outcome: 'queued' | 'not-waiting' | 'already-answered' | 'refused'; message: string};

/**
 * Answers the question a waiting task's agent asked, by whichever path the answer came ("file",
 * "command", "telegram", "timeout"): the answer goes into the task's `ask`, and the task back to
 * tasks/W/ID.json, to resume the same session. Of several answers to one question the first wins; the
 * others are told it was answered. question.md and answer.md move to results/W/.history/.
 */
export async function answerQuestion(config: Config, ref: {worker: string; id: string; toolUseId?: string}, text: string, by: string): Promise<AnswerOutcome> {
	const answer = checkAnswer(text);
	const layout = createLayout(config.home);
	const {worker, id} = ref;
	const answeredAt = new Date().toISOString();
	let asked: AskRecord | undefined;
	const outcome = await resumeWaiting(layout, worker, id, task => {
		const parsed = askRecord.safeParse(task.ask);
		asked = parsed.success ? parsed.data : undefined;
		if (!asked || (ref.toolUseId !== undefined && ref.toolUseId !== asked.toolUseId)) {
			return undefined; // Not a question spool can answer, or another one than the answer was for: it waits on.
		}

		if (asked.answer !== undefined) {
			return task; // An answer already there (queueing it was cut short, or its name was taken) is kept: the first answer wins.
		}

		if (asked.kind === 'approval') {
			const decided = by === 'timeout' ? {decision: 'deny' as const, why: 'nobody approved it within ask.timeout'} : decisionOf(answer);
			return decided ? {...task, ask: {...asked, answer, answeredAt, answeredBy: by, ...decided}} : undefined;
		}

		return {...task, ask: {...asked, answer, answeredAt, answeredBy: by}};
	});
	const name = `${worker}/${id}`;
	if (outcome.kind === 'refused' && asked?.kind === 'approval' && asked.answer === undefined && (ref.toolUseId === undefined || ref.toolUseId === asked.toolUseId)) {
		return {outcome: 'refused', message: `${name} waits for approval to run \`${(asked.command ?? '').slice(0, 120)}\`: answer "approve", or "deny" and why (spool approve ${name}, spool deny ${name} --why "...")`};
	}

	if (outcome.kind === 'refused') {
		return asked
			? {outcome: 'refused', message: `${name} waits on a later question now ("${asked.question.slice(0, 120)}"): this answer was for an earlier one, and is not used`}
			: {outcome: 'refused', message: `${name}: waiting/${worker}/${id}.json holds no question spool can read; nothing was answered`};
	}

	if (outcome.kind === 'not-waiting') {
		const queued = readJsonFile(layout.taskFile(worker, id), TASK_LIMITS.maxBytes);
		if (isObject(queued) && isObject(queued.ask) && typeof queued.ask.answer === 'string' && (ref.toolUseId === undefined || queued.ask.toolUseId === ref.toolUseId)) {
			return {outcome: 'already-answered', message: `${name} was answered already (by ${String(queued.ask.answeredBy)}); it is queued to resume`};
		}

		return {outcome: 'not-waiting', message: `${name} is not waiting for an answer`};
	}

	if (asked?.answer !== undefined) {
		return {outcome: 'already-answered', message: `${name} was answered already (by ${asked.answeredBy ?? 'someone'})${outcome.kind === 'queued' ? '; it is queued to resume' : ''}`};
	}

	archiveQuestionFiles(layout, worker, id);
	if (outcome.kind === 'name-taken') {
		return {outcome: 'queued', message: `${name}: answer kept; another task of the id ${id} is queued, so this one resumes once that one has left tasks/${worker}/`};
	}

	return {outcome: 'queued', message: `${name}: answered; queued to resume its session${asked ? ` ${asked.sessionId}` : ''}`};
}

/** A person's answer to an approval: yes (allow) or no (deny, the rest of the text the reason); undefined when it says neither. */
export function decisionOf(text: string): {decision: 'allow'; why?: undefined} | {decision: 'deny'; why: string} | undefined {
	const answer = text.trim();
	if (/^(y|yes|ok|okay|approve|approved|allow|go|go ahead|lgtm)\b[.!]*$/i.test(answer) || /^(approve|approved|allow|yes)\b/i.test(answer)) {
		return {decision: 'allow'};
	}

	const denied = /^(n|no|deny|denied|refuse|reject|stop|don'?t)\b[\s:,.!-]*(.*)$/is.exec(answer);
	return denied ? {decision: 'deny', why: denied[2]?.trim() || 'no reason given'} : undefined;
}

/** The question's end without an answer, as ask.onTimeout says: resumed with NO_ANSWER_TEXT, or failed with question_unanswered. */
export async function expireQuestion(config: Config, ref: {worker: string; id: string}, owner: string): Promise<AnswerOutcome | TaskResult | undefined> {
	if (config.ask.onTimeout === 'continue') {
		return answerQuestion(config, ref, NO_ANSWER_TEXT, 'timeout');
	}

	const layout = createLayout(config.home);
	const result = await endWaiting(layout, ref.worker, ref.id, task => unansweredResult(config, ref, task, owner));
	if (result) {
		archiveQuestionFiles(layout, ref.worker, ref.id);
	}

	return result;
}

/** The failed result of a question nobody answered: the runs that asked are its cost. */
function unansweredResult(config: Config, ref: {worker: string; id: string}, task: Record<string, unknown>, owner: string): TaskResult {
	const {ask, base, fields} = endOfWait(ref, task, owner, 'unanswered');
	const waited = ask ? ` (asked ${ask.askedAt}: "${ask.question.slice(0, 200)}")` : '';
	const metadata = fields.task.metadata;
	return buildResult({...base, startedAt: new Date(ask?.askedAt ?? Date.now())}, {
		...fields,
		status: 'failed',
		error: {code: 'question_unanswered', message: `no answer came within ask.timeout (${Math.round(config.ask.timeout / 1000)} s) to the question its agent asked${waited}`},
		...(isObject(metadata) ? {metadata} : {}),
	});
}

/**
 * What a result that ends a wait (no answer in time, spool cancel) takes from the waiting task: its
 * history, its questions (what the runs that asked cost), the session and cwd of the question, the task
 * as dropped. The runId names this end of this question, so a sweep that repeats it after a crash finds
 * it written (lifecycle/waiting.ts).
 */
export function endOfWait(ref: {worker: string; id: string}, task: Record<string, unknown>, owner: string, end: 'unanswered' | 'canceled') {
	const parsed = askRecord.safeParse(task.ask);
	const ask = parsed.success ? parsed.data : undefined;
	const {history, attempts} = task;
	const base = {id: ref.id, worker: ref.worker, owner, runId: `${ask?.runId ?? 'unknown'}-${end}`, attempts: typeof attempts === 'number' ? attempts : 0, startedAt: new Date()};
	const fields = {
		...(Array.isArray(history) && history.length > 0 ? {history: history as TaskResult['history']} : {}),
		...questionsOfRaw(task),
		sessionId: ask?.sessionId ?? null,
		cwd: ask?.cwd ?? null,
		task: taskAsDropped(task),
	};
	return {ask, base, fields};
}

/** An answer as spool passes it on: not empty, and small enough for the run's environment. */
export function checkAnswer(text: string): string {
	const answer = text.trim();
	if (answer === '') {
		throw new SpoolError('empty_answer', 'the answer is empty: say what the agent should do');
	}

	const bytes = Buffer.byteLength(answer);
	if (bytes > MAX_ANSWER_BYTES) {
		throw new SpoolError('answer_too_large', `the answer is ${bytes} bytes, over the ${MAX_ANSWER_BYTES} bytes spool passes to a run; put longer material in a file in the task's folder and say where it is`);
	}

	return answer;
}

/** question.md and the answer.md of a question that was answered or ended move to results/W/.history/, so the next question starts clean. */
export function archiveQuestionFiles(layout: Layout, worker: string, id: string): void {
	const stamp = new Date().toISOString().replaceAll(':', '-');
	for (const [file, extension] of [[layout.questionFile(worker, id), 'question.md'], [layout.approvalFile(worker, id), 'approval.md'], [layout.answerFile(worker, id), 'answer.md']] as const) {
		try {
			fs.mkdirSync(layout.history(worker), {recursive: true});
			fs.renameSync(file, layout.historyFile(worker, id, stamp, extension));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
				throw error;
			}
		}
	}
}
