import {z} from 'zod';

/** The tool spool's MCP server offers every run, as claude names it (server "spool", tool "ask_human"). */
export const ASK_TOOL = 'mcp__spool__ask_human';

/** The longest answer spool passes on: it reaches the run in one environment variable (Linux allows 128 KiB for one). */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** The prompt of a resume after a resumed run that got its answer and then stopped (a retry, a shutdown): no call is pending any more. */
export const CONTINUE_TEXT = 'Your last run was interrupted after the answer above reached you; go on with the task from where you left off.';

/** What the agent is told when no answer came in time and `ask.onTimeout` is `continue`. */
export const NO_ANSWER_TEXT = 'No answer came; use your best judgement and say what you assumed.';

/**
 * One question an agent asked with ask_human, and the person's answer once it came. While the task
 * waits it is the task's `ask`; once the resumed run has ended it is one of the result's `questions`.
 * `sessionCostUsd` and `sessionUsage` are the CLI's totals for the whole session when it asked: a
 * resumed run's result line counts the session's earlier runs too, and spool takes them off (session-cost.ts).
 */
export const askRecord = z.object({
	/** `question`: ask_human; `approval`: a command of policy.ask waits for a person's yes or no (docs/policy.md). @default question */
	kind: z.enum(['question', 'approval']).optional(),
	/** For an approval: the tool, the command and the rule that asks. */
	tool: z.string().optional(),
	command: z.string().optional(),
	rule: z.string().optional(),
	/** For an approval once answered: allow or deny, and the person's reason for a deny. */
	decision: z.enum(['allow', 'deny']).optional(),
	why: z.string().optional(),
	question: z.string(),
	options: z.array(z.string()).optional(),
	context: z.string().optional(),
	askedAt: z.string(),
	/** The deferred tool call that asked: the resumed run's hook lets exactly this call through. */
	toolUseId: z.string(),
	sessionId: z.string(),
	cwd: z.string(),
	/** What the run that asked cost, and which attempt and run it was. */
	costUsd: z.number(),
	durationMs: z.number().optional(),
	attempt: z.number().int().min(1),
	runId: z.string(),
	sessionCostUsd: z.number(),
	sessionUsage: z.record(z.string(), z.unknown()).optional(),
	answer: z.string().optional(),
	answeredAt: z.string().optional(),
	/** Who answered: "file" (results/W/ID.answer.md), "command" (spool answer), "timeout", or the Telegram user ("@ada (Telegram)"). */
	answeredBy: z.string().optional(),
	/** A resumed run got as far as the answer (claude ran the call) but did not finish: the next resume goes on with a prompt of its own. */
	delivered: z.boolean().optional(),
});

export type AskRecord = z.output<typeof askRecord>;

/** What the agent's ask_human call gave: a question, with options and context when it gave them. */
export type Question = Pick<AskRecord, 'question' | 'options' | 'context'>;

/** Reads ask_human's input as the CLI reported it in deferred_tool_use; undefined when it holds no question. */
export function questionOf(input: unknown): Question | undefined {
	if (typeof input !== 'object' || input === null) {
		return undefined;
	}

	const {question, options, context} = input as Record<string, unknown>;
	if (typeof question !== 'string' || question.trim() === '') {
		return undefined;
	}

	const strings = Array.isArray(options) ? options.filter((option): option is string => typeof option === 'string') : [];
	return {question, ...(strings.length > 0 ? {options: strings} : {}), ...(typeof context === 'string' && context.trim() !== '' ? {context} : {})};
}

/** The cost of a task's runs that asked (answered questions, and the one it waits on): part of what the task cost. */
export function askedCostOf(task: {questions?: readonly Pick<AskRecord, 'costUsd'>[]; ask?: Pick<AskRecord, 'costUsd'>}): number {
	return (task.questions ?? []).reduce((sum, asked) => sum + asked.costUsd, task.ask?.costUsd ?? 0);
}

/** The questions a task's agent asked and had answered, for its result: what each asking run cost is part of the task's cost. */
export function questionsOf(task: {ask?: AskRecord; questions?: AskRecord[]}): {questions?: AskRecord[]} {
	const questions = [...(task.questions ?? []), ...(task.ask ? [task.ask] : [])];
	return questions.length > 0 ? {questions} : {};
}

/** The questions a task file that no schema has read yet carries (its `questions`, its answered `ask`), each read through the record's schema. */
export function questionsOfRaw(raw: unknown): {questions?: AskRecord[]} {
	if (typeof raw !== 'object' || raw === null) {
		return {};
	}

	const {ask, questions} = raw as Record<string, unknown>;
	const read = (value: unknown) => {
		const parsed = askRecord.safeParse(value);
		return parsed.success ? [parsed.data] : [];
	};
	return questionsOf({questions: (Array.isArray(questions) ? questions : []).flatMap(read), ask: read(ask)[0]});
}
