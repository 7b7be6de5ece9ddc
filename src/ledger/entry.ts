import {z} from 'zod';

/** What became of a run, as the worker decided it when the run ended. */
export const RUN_OUTCOMES = ['succeeded', 'failed', 'dead', 'retrying', 'paused', 'canceled', 'handed-back', 'fenced', 'waiting'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];

/** How the run paid: an API key (billed), a subscription (total_cost_usd is a list-price estimate), or not known. */
export const AUTH_KINDS = ['api-key', 'subscription', 'unknown'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** The CLI says which credential it used in its init event's apiKeySource: "none" is an OAuth login (a subscription). */
export function authKindOf(apiKeySource: string | null): AuthKind {
	if (apiKeySource === null) {
		return 'unknown';
	}

	return apiKeySource === 'none' ? 'subscription' : 'api-key';
}

export const LEDGER_VERSION = 1;

/** Strings a record carries are cut to this, so a line stays far below one write's 4 KB. */
const MAX_TEXT = 200;

/**
 * One line of ledger/DATE.jsonl: one run that reached claude, whatever became of it. A versioned record,
 * parsed on read; fields a later version adds are kept (loose), a line that is not one is skipped.
 */
export const ledgerEntrySchema = z.looseObject({
	version: z.number().int().min(1),
	/** When the run ended (ISO). */
	time: z.string(),
	worker: z.string(),
	task: z.string(),
	attempt: z.number().int().min(0),
	runId: z.string(),
	outcome: z.enum(RUN_OUTCOMES),
	/** The error code of a run that did not succeed. */
	error: z.string().nullable(),
	/** The CLI's total_cost_usd of this run (an estimate on a subscription). */
	costUsd: z.number(),
	/** Tokens by kind, summed over the run's turns. */
	usage: z.object({input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number()}),
	model: z.string().nullable(),
	durationMs: z.number(),
	workflow: z.string().nullable(),
	auth: z.enum(AUTH_KINDS),
	sessionId: z.string().nullable(),
	/** "tokens": the run was stopped before claude's result line, so spool reckoned its cost from the tokens its stream showed (ledger/prices.ts). */
	costFrom: z.literal('tokens').optional(),
	/** How many commands spool's policy refused in the run (its result's policyViolations); absent: none. */
	violations: z.number().int().min(0).optional(),
	/** How many tool calls spool's sandbox or the file tools' limits refused in the run (its result's sandboxBlocks); absent: none. */
	blocked: z.number().int().min(0).optional(),
});

export type LedgerEntry = z.output<typeof ledgerEntrySchema>;

export type LedgerEntryInput = {
	time: string;
	worker: string;
	task: string;
	attempt: number;
	runId: string;
	outcome: RunOutcome;
	error: string | null;
	costUsd: number;
	usage: Record<string, unknown> | null;
	model: string | null;
	durationMs: number;
	workflow: string | null;
	auth: AuthKind;
	sessionId: string | null;
	costFrom?: 'tokens';
	violations?: number;
	blocked?: number;
};

/** The one builder of ledger lines. */
export function buildLedgerEntry(input: LedgerEntryInput): LedgerEntry {
	return {
		version: LEDGER_VERSION,
		...input,
		task: cut(input.task),
		model: input.model === null ? null : cut(input.model),
		workflow: input.workflow === null ? null : cut(input.workflow),
		usage: tokensOf(input.usage),
	};
}

/** The CLI's usage object ({input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens}) as four numbers. */
export function tokensOf(usage: Record<string, unknown> | null): LedgerEntry['usage'] {
	const read = (key: string) => (typeof usage?.[key] === 'number' && Number.isFinite(usage[key]) ? usage[key] : 0);
	return {input: read('input_tokens'), output: read('output_tokens'), cacheRead: read('cache_read_input_tokens'), cacheWrite: read('cache_creation_input_tokens')};
}

export function parseLedgerLine(line: string): LedgerEntry | undefined {
	try {
		const parsed = ledgerEntrySchema.safeParse(JSON.parse(line));
		return parsed.success ? parsed.data : undefined;
	} catch {
		return undefined;
	}
}

function cut(text: string): string {
	return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 3)}...` : text;
}
