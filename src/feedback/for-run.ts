import path from 'node:path';
import {dayOf} from '../ledger/day.ts';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty, readRegularFile} from '../queue/read-file.ts';
import {pickFeedbackDate} from './pick.ts';
import {splitFeedback} from './sections.ts';

/** A feedback file is a person's notes: past this it is not read (and the log says so). */
export const MAX_FEEDBACK_FILE_BYTES = 1024 * 1024;

/** The most of it one run is given, so the argument stays far below Linux's 128 KiB for one (claude-args.ts). */
export const MAX_FEEDBACK_PROMPT_BYTES = 32 * 1024;

/** Which parts of a feedback file a worker gets: "all" (the text for every worker) and its own section. */
export type FeedbackPart = 'all' | 'own';

export type RunFeedback = {
	/** The file, relative to the home: what the result records as `feedback`. */
	file: string;
	date: string;
	parts: FeedbackPart[];
	/** What is appended to the run's system prompt. */
	prompt: string;
	/** The prompt was cut at MAX_FEEDBACK_PROMPT_BYTES. */
	cut: boolean;
};

export type FeedbackProblem = {file: string; problem: string};

/**
 * The feedback a run of `worker` that starts at `now` gets (feedback/pick.ts says which file, sections.ts
 * which part of it), or undefined when there is none for it; a file that cannot be read is a problem to
 * log, never the run's error. A readdir and one small read per run.
 */
export function feedbackForRun(
	layout: Layout,
	worker: string,
	workers: readonly string[],
	settings: {timezone: string; feedbackDays: number},
	now = Date.now(),
): RunFeedback | FeedbackProblem | undefined {
	const date = pickFeedbackDate(readdirOrEmpty(layout.feedbackRoot), dayOf(now, settings.timezone), settings.feedbackDays);
	if (date === undefined) {
		return undefined;
	}

	const absolute = layout.feedbackFile(date);
	const file = path.relative(layout.home, absolute);
	let read: ReturnType<typeof readRegularFile>;
	try {
		read = readRegularFile(absolute, {maxBytes: MAX_FEEDBACK_FILE_BYTES});
	} catch (error) {
		return {file, problem: `cannot be read (${(error as Error).message})`};
	}

	if (read.kind === 'missing') {
		return undefined;
	}

	if (read.kind !== 'file') {
		return {file, problem: read.kind === 'too-large' ? `holds ${read.size} bytes, over the ${MAX_FEEDBACK_FILE_BYTES} a feedback file may have` : `is a ${read.entry}, not a regular file; spool never opens it`};
	}

	const split = splitFeedback(read.text, workers);
	const own = split.workers[worker] ?? '';
	const parts: FeedbackPart[] = [...(split.all ? (['all'] as const) : []), ...(own ? (['own'] as const) : [])];
	if (parts.length === 0) {
		return undefined;
	}

	const {prompt, cut} = composePrompt({file, date, worker, all: split.all, own});
	return {file, date, parts, prompt, cut};
}

/** The text appended to the system prompt: where it comes from, then the part for all and the worker's own. */
export function composePrompt(feedback: {file: string; date: string; worker: string; all: string; own: string}): {prompt: string; cut: boolean} {
	const lines = [
		'# Feedback from the person who reviews this team',
		'',
		`After reading the report of ${feedback.date}, the person who reviews this team's work wrote this (${feedback.file}). Take it into account in this task.`,
	];
	if (feedback.all) {
		lines.push('', '## For every worker', '', feedback.all);
	}

	if (feedback.own) {
		lines.push('', `## For you (${feedback.worker})`, '', feedback.own);
	}

	const prompt = `${lines.join('\n')}\n`;
	const bytes = Buffer.from(prompt);
	if (bytes.length <= MAX_FEEDBACK_PROMPT_BYTES) {
		return {prompt, cut: false};
	}

	const note = `\n\n[The rest of ${feedback.file} is left out: past ${MAX_FEEDBACK_PROMPT_BYTES / 1024} KiB.]\n`;
	// Cut on a character's boundary: a UTF-8 continuation byte is 10xxxxxx.
	let end = MAX_FEEDBACK_PROMPT_BYTES - Buffer.byteLength(note);
	while (end > 0 && (bytes[end]! & 0xc0) === 0x80) {
		end--;
	}

	return {prompt: `${bytes.subarray(0, end).toString('utf8')}${note}`, cut: true};
}
