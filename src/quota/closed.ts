import type {Closed} from '../worker/claim-gate.ts';
import type {Config} from '../config/load.ts';
import {gateOfAccount, PROBE_RECHECK_MS, windowAtReserve} from './rules.ts';
import type {QuotaRecord} from './state.ts';

/** quota.reserve of the worker (its own, else the home's), as spool.yaml says it now. */
export function reserveOf(config: Pick<Config, 'quota' | 'workers'>, worker: string): number {
	return config.workers[worker]?.quota?.reserve ?? config.quota.reserve;
}

/**
 * Why no run of the account may start now, as the claim gate logs it and status shows it, and when to
 * look again; undefined when one may. Each reason stays the same while its cause does, so the gate
 * logs it once.
 */
export function quotaClosed(record: QuotaRecord | undefined, reserve: number, now: number): Closed | undefined {
	if (!record) {
		return undefined;
	}

	const gate = gateOfAccount(record, now);
	if (gate.kind === 'paused') {
		const said = record.pause?.message ? ` (${record.pause.message})` : '';
		return {reason: `account ${record.account} hit its usage limit${said}: no run of it starts until ${new Date(gate.until).toISOString()}`, until: gate.until};
	}

	if (gate.kind === 'probing') {
		const reason = `account ${record.account} is past its usage-limit pause: a first run (worker ${gate.worker}) goes alone, the others wait for the API's answer to it`;
		return {reason, until: Math.min(gate.expiresAt, now + PROBE_RECHECK_MS)};
	}

	const full = windowAtReserve(record.windows, reserve, now);
	if (full) {
		const used = Math.round(full.window.utilization * 100);
		const reason = `account ${record.account}'s ${full.name} window is ${used} % used, at its reserve of ${Math.round(reserve * 100)} % (quota.reserve): no task starts until it resets at ${new Date(full.resetsAt).toISOString()}`;
		return {reason, until: full.resetsAt};
	}

	return undefined;
}
