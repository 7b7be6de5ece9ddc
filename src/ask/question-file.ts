import {formatDuration} from '../config/duration.ts';
import type {AskConfig} from '../config/schema.ts';
import {NO_ANSWER_TEXT, type AskRecord} from './ask-record.ts';

/** How much of the task's prompt question.md quotes. */
const PROMPT_CHARS = 2000;

export type QuestionPage = {
	worker: string;
	id: string;
	prompt: string;
	ask: AskRecord;
	/** What the agent did in the run that asked (activity.ts); empty when not known (a question.md written again). */
	steps: readonly string[];
	/** The earlier questions of the task, answered. */
	earlier: readonly AskRecord[];
	settings: AskConfig;
};

/**
 * results/W/ID.question.md: what a person needs to answer without opening anything else: the question,
 * its options and context, how to answer, the task, and what the agent did before it asked.
 */
export function renderQuestion(page: QuestionPage): string {
	const {worker, id, ask, settings} = page;
	const ref = `${worker}/${id}`;
	const deadline = new Date(Date.parse(ask.askedAt) + settings.timeout).toISOString();
	if (ask.kind === 'approval') {
		return renderApproval(page, ref, deadline);
	}

	const lines = [`# ${ref} asks a question`, '', quote(ask.question), ''];
	if (ask.options?.length) {
		lines.push('Options:', ...ask.options.map(option => `- ${option}`), '');
	}

	if (ask.context) {
		lines.push('Context:', '', quote(ask.context), '');
	}

	lines.push(
		'## How to answer',
		'',
		`- write the answer into \`results/${worker}/${id}.answer.md\`, or`,
		`- run \`spool answer ${ref} "your answer"\` (or \`--file FILE\`), or`,
		'- reply to the Telegram message of this question, when notify.telegram is set.',
		'',
		'The task then resumes the same claude session: your answer is what its question returns.',
		settings.onTimeout === 'continue'
			? `With no answer by ${deadline} (ask.timeout ${formatDuration(settings.timeout)}), it resumes with "${NO_ANSWER_TEXT}"`
			: `With no answer by ${deadline} (ask.timeout ${formatDuration(settings.timeout)}), the task fails with question_unanswered.`,
		'',
		...taskLines(page),
		`Asked ${ask.askedAt} in attempt ${ask.attempt}; that run cost $${ask.costUsd.toFixed(4)}. Session ${ask.sessionId}, in ${ask.cwd}.`,
		'',
	);
	if (page.earlier.length > 0) {
		lines.push('## Asked before', '');
		for (const earlier of page.earlier) {
			lines.push(`- ${oneLine(earlier.question)} (answered by ${earlier.answeredBy ?? 'nobody'}: ${oneLine(earlier.answer ?? '')})`);
		}

		lines.push('');
	}

	if (page.steps.length > 0) {
		lines.push('## What the agent did before it asked', '', ...page.steps.map(step => `- ${step}`), '');
	}

	return `${lines.join('\n').trimEnd()}\n`;
}

/** The task's prompt as both pages quote it, cut to PROMPT_CHARS. */
function taskLines(page: QuestionPage): string[] {
	return ['## The task', '', quote(page.prompt.length > PROMPT_CHARS ? `${page.prompt.slice(0, PROMPT_CHARS)}...` : page.prompt), ''];
}

function quote(text: string): string {
	return text.trim().split('\n').map(line => `> ${line}`.trimEnd()).join('\n');
}

function oneLine(text: string): string {
	const line = text.replaceAll(/\s+/g, ' ').trim();
	return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** results/W/ID.approval.md: the command that waits, where it would run, the rule that asks, and how to say yes or no. */
function renderApproval(page: QuestionPage, ref: string, deadline: string): string {
	const {ask, settings} = page;
	const lines = [
		`# ${ref} asks approval to run a command`,
		'',
		'```sh',
		(ask.command ?? '').trim(),
		'```',
		'',
		`Tool ${ask.tool ?? 'Bash'}, in ${ask.cwd}${ask.rule ? `; spool's policy asks a person first for "${ask.rule}" (policy.ask)` : ''}.`,
		'',
		'## How to answer',
		'',
		`- \`spool approve ${ref}\`: the command runs, and the same session goes on;`,
		`- \`spool deny ${ref} --why "..."\`: the command is refused, and the agent is told why;`,
		'- or reply to the Telegram message of it: "approve", or "deny" and why.',
		'',
		settings.onTimeout === 'continue'
			? `With no answer by ${deadline} (ask.timeout ${formatDuration(settings.timeout)}), the command is refused and the task goes on.`
			: `With no answer by ${deadline} (ask.timeout ${formatDuration(settings.timeout)}), the task fails with question_unanswered.`,
		'',
		...taskLines(page),
		`Asked ${ask.askedAt} in attempt ${ask.attempt}; that run cost $${ask.costUsd.toFixed(4)}. Session ${ask.sessionId}.`,
		'',
	];
	if (page.steps.length > 0) {
		lines.push('## What the agent did before', '', ...page.steps.map(step => `- ${step}`), '');
	}

	return `${lines.join('\n').trimEnd()}\n`;
}
