import type {Config} from '../config/load.ts';
import type {Layout} from '../queue/layout.ts';
import {quotaClosed, reserveOf} from './closed.ts';
import {findWorkerAccount} from './lookup.ts';
import {gateOfAccount, windowAtReserve} from './rules.ts';
import type {QuotaRecord} from './state.ts';

/** One window as status shows it: the API's own figures as of `updatedAt`, not estimates. */
export type QuotaWindowView = {name: string; utilization: number; resetsAt: string; status: string | null; atReserve: boolean};

/** What `spool status` shows of one worker's subscription account. */
export type QuotaView = {
	worker: string;
	/** The key of control/quota/ACCOUNT.json, and where it came from (a login's account id, a token's hash, the worker). */
	account: string;
	source: QuotaRecord['source'];
	/** The other workers seen on the same account: they pause together. */
	sharedWith: string[];
	reserve: number;
	/** When a run last reported the windows, and which worker's; null when none has (an API key reports none). */
	updatedAt: string | null;
	observedBy: string | null;
	/** Windows whose reset lies ahead (one whose reset has passed starts over and is left out). */
	windows: QuotaWindowView[];
	/** The usage-limit pause: no run of the account starts before then. */
	pausedUntil: string | null;
	pauseMessage: string | null;
	/** The pause is over and this worker's run goes first; the others wait for the API's answer to it. */
	probing: {worker: string; since: string} | null;
	/** A window at its reserve: no task starts until it resets. */
	holdingBack: {window: string; utilization: number; until: string} | null;
	/** The one sentence the claim gate logs for the account, when it stops claiming. */
	closed: {reason: string; until: string | null} | null;
};

/**
 * The quota of one worker's account now, from control/quota/ alone (a few small files; no claude run,
 * no result read). The account is found as quota/lookup.ts says.
 */
export function readQuotaView(layout: Layout, config: Pick<Config, 'quota' | 'workers'>, worker: string, now = Date.now(), env: NodeJS.ProcessEnv = process.env): QuotaView {
	const {account: key, record} = findWorkerAccount(layout, worker, env);
	const reserve = reserveOf(config, worker);
	const gate = gateOfAccount(record, now);
	const full = record && gate.kind === 'open' ? windowAtReserve(record.windows, reserve, now) : undefined;
	const closed = quotaClosed(record, reserve, now);
	const windows = Object.entries(record?.windows ?? {})
		.filter(([, window]) => Date.parse(window.resetsAt) > now)
		.map(([name, window]) => ({name, utilization: window.utilization, resetsAt: window.resetsAt, status: window.status, atReserve: windowAtReserve({[name]: window}, reserve, now) !== undefined}));
	return {
		worker,
		account: record?.account ?? key.key,
		source: record?.source ?? key.source,
		sharedWith: (record?.workers ?? []).filter(name => name !== worker),
		reserve,
		updatedAt: record?.updatedAt ?? null,
		observedBy: record?.observedBy ?? null,
		windows,
		pausedUntil: gate.kind === 'paused' ? new Date(gate.until).toISOString() : null,
		pauseMessage: gate.kind === 'paused' ? (record?.pause?.message ?? null) : null,
		probing: gate.kind === 'probing' && record?.probe ? {worker: gate.worker, since: record.probe.takenAt} : null,
		holdingBack: full ? {window: full.name, utilization: full.window.utilization, until: new Date(full.resetsAt).toISOString()} : null,
		// A probe's `until` is only when the gate looks again: no time to show.
		closed: closed ? {reason: closed.reason, until: closed.until === undefined || gate.kind === 'probing' ? null : new Date(closed.until).toISOString()} : null,
	};
}
