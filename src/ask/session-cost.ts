import type {Claim} from '../lifecycle/index.ts';
import type {ClaudeExit} from '../worker/run-claude.ts';
import type {AskRecord} from './ask-record.ts';

/**
 * A resumed run's own cost and tokens. Its result line counts the whole session: total_cost_usd and
 * modelUsage include the runs before the question (checked against claude 2.1.329, while its
 * --max-budget-usd counts this run alone). What the session had spent when it asked is taken off, so
 * the ledger, the budget and the result count each run once.
 */
export function sinceQuestion(exit: ClaudeExit, ask: Pick<AskRecord, 'sessionCostUsd' | 'sessionUsage'>): ClaudeExit {
	const final = exit.final;
	if (!final) {
		return exit;
	}

	const total = typeof final.total_cost_usd === 'number' ? {total_cost_usd: Math.max(0, final.total_cost_usd - ask.sessionCostUsd)} : {};
	const models = isRecord(final.modelUsage) ? {modelUsage: subtractUsage(final.modelUsage, ask.sessionUsage ?? {})} : {};
	return {...exit, final: {...final, ...total, ...models}};
}

/** Each model's counters less what they were at the question; a model new since then is kept as it is. */
function subtractUsage(now: Record<string, unknown>, before: Record<string, unknown>): Record<string, unknown> {
	const own: Record<string, unknown> = {};
	for (const [model, counters] of Object.entries(now)) {
		const earlier = before[model];
		if (!isRecord(counters) || !isRecord(earlier)) {
			own[model] = counters;
			continue;
		}

		own[model] = Object.fromEntries(Object.entries(counters).map(([key, value]) => {
			const was = earlier[key];
			const counts = typeof value === 'number' && typeof was === 'number' && /Tokens$|Requests$|^costUSD$/.test(key);
			return [key, counts ? Math.max(0, value - was) : value];
		}));
	}

	return own;
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True for the stream event in which claude hands the asked call its result: the answer reached the session. */
export function answersCall(event: Record<string, unknown>, toolUseId: string): boolean {
	const content = event.type === 'user' ? (event.message as {content?: unknown} | undefined)?.content : undefined;
	return Array.isArray(content) && content.some(block => isRecord(block) && block.type === 'tool_result' && block.tool_use_id === toolUseId);
}

/**
 * The claim of a resumed run that goes back to the queue (a retry, a hand-back), its `ask` carrying
 * what the session has spent by now, so the next resume takes this run off too, and whether the answer
 * reached the session (then no call is pending, and the next resume needs a prompt).
 */
export function withSessionSoFar(claim: Claim, ask: AskRecord, ownCostUsd: number, session: Pick<ClaudeExit, 'final'>, delivered: boolean): Claim {
	const usage = isRecord(session.final?.modelUsage) ? session.final.modelUsage : ask.sessionUsage;
	const next: AskRecord = {...ask, sessionCostUsd: ask.sessionCostUsd + ownCostUsd, ...(usage ? {sessionUsage: usage} : {}), ...(delivered ? {delivered: true} : {})};
	return {...claim, raw: {...(claim.raw as Record<string, unknown>), ask: next}};
}
