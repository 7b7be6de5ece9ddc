import {appendEvent, emitOnce, type EventInput} from '../events/events.ts';
import type {Claim} from '../lifecycle/index.ts';
import type {Logger} from '../log/logger.ts';
import type {PolicyViolation} from '../policy/violations.ts';
import type {Layout} from '../queue/layout.ts';
import {costOf, type TaskResult} from '../queue/result.ts';

/** What telling needs of a loop's context. */
type Teller = {layout: Layout; logger: Logger; config: {budget: {timezone: string}}};

/** A minute: pauses that several loops write at once, within it, are one pause to tell. */
const MINUTE_MS = 60_000;

/**
 * A dead-lettered task: who, why, and the two commands that come next. Told once per run, whichever
 * loop commits it (its key holds the run id).
 */
export function tellTaskDead(context: Teller, result: TaskResult): void {
	const {worker, id, error} = result;
	const ref = `${worker}/${id}`;
	const workflow = result.metadata?.workflow;
	tell(context, `task_dead-${worker}-${id}-${result.runId}`, {
		type: 'task_dead',
		time: result.finishedAt,
		message: `${ref} is dead after ${result.attempts} attempt${result.attempts === 1 ? '' : 's'}: ${error ? `${error.code}: ${cut(error.message)}` : 'no error was recorded'}`,
		worker,
		id,
		error,
		attempts: result.attempts,
		costUsd: costOf(result),
		...(typeof workflow === 'string' ? {workflow} : {}),
		next: `spool show ${ref} shows each attempt and its error; spool retry ${ref} runs it again`,
	});
}

/**
 * A worker that stopped claiming: its credentials (until they change or `spool resume`), or a rate limit
 * (until its reset). Told by the loop that wrote the pause where none was; the key (the worker, the
 * reason, the minute of the pause or its end) keeps loops that pause in the same moment to one message.
 */
export function tellWorkerPaused(context: Teller, pause: {worker: string; reason: 'auth' | 'rate-limit'; message: string; until: number | undefined}): void {
	const {worker, reason, until} = pause;
	const stamp = Math.floor((until ?? Date.now()) / MINUTE_MS);
	const untilText = until === undefined ? undefined : new Date(until).toISOString();
	tell(context, `worker_paused-${worker}-${reason}-${stamp}`, {
		type: 'worker_paused',
		time: new Date().toISOString(),
		message: reason === 'auth' ? `worker ${worker} is paused: ${cut(pause.message, 600)}` : `worker ${worker} is paused by a rate limit until ${untilText}: ${cut(pause.message)}`,
		worker,
		reason,
		...(untilText ? {until: untilText} : {}),
		next: reason === 'auth'
			? `fix its credentials with spool login ${worker} (or a key in auth-homes/${worker}/settings.json); it resumes when they change, or with spool resume ${worker}`
			: `nothing: it resumes by itself at ${untilText}; spool resume ${worker} ends the pause sooner`,
	});
}

/** A subscription's usage limit, which pauses every worker of the account until its reset: told once per account and reset. */
export function tellAccountPaused(context: Teller, pause: {account: string; worker: string; until: number; message: string}): void {
	const untilText = new Date(pause.until).toISOString();
	tell(context, `worker_paused-account-${pause.account}-${Math.floor(pause.until / MINUTE_MS)}`, {
		type: 'worker_paused',
		time: new Date().toISOString(),
		message: `account ${pause.account} hit its usage limit (${cut(pause.message)}), seen by worker ${pause.worker}: no worker of the account starts a run until ${untilText}`,
		worker: pause.worker,
		reason: 'usage-limit',
		account: pause.account,
		until: untilText,
		next: `nothing: the workers resume by themselves at ${untilText} (tasks wait without losing an attempt); spool resume ${pause.worker} ends the pause sooner`,
	});
}

/** Telling never fails a run: an event that cannot be written (a full disk) is logged, and the loop goes on. */
function tell(context: Teller, key: string, event: EventInput): void {
	try {
		emitOnce(context.layout, context.config.budget.timezone, key, event);
	} catch (error) {
		context.logger.error({err: error, event: event.type}, `cannot record the ${event.type} event (${event.message})`);
	}
}

function cut(text: string, max = 300): string {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The commands the policy refused in a run, logged and told as one policy_violation event (each run's refusals are an event of their own). */
export function tellViolations(context: Teller, claim: Pick<Claim, 'worker' | 'id'>, violations: readonly PolicyViolation[]): void {
	const ref = `${claim.worker}/${claim.id}`;
	const commands = violations.map(violation => `"${violation.command.slice(0, 120)}" (rule "${violation.rule}")`).join(', ');
	context.logger.warn({violations}, `the policy refused ${violations.length} command(s) of this run: ${commands}`);
	try {
		appendEvent(context.layout, context.config.budget.timezone, {
			type: 'policy_violation',
			time: new Date().toISOString(),
			message: `${ref} tried ${commands}, which spool's policy denies; the command was refused. spool show ${ref} has the run`,
			worker: claim.worker,
			id: claim.id,
			count: violations.length,
			rules: [...new Set(violations.map(violation => violation.rule))],
		});
	} catch (error) {
		context.logger.error({err: error}, 'cannot record the policy_violation event');
	}
}
