import type {RateLimitInfo} from './rate-limit-info.ts';
import type {QuotaPause, QuotaProbe, QuotaRecord, StoredWindow} from './state.ts';

/**
 * The named changes of an account's record (quota/state.ts), each a pure function of the record as it
 * is under the lock: what a run saw of the windows, a pause after a rejection, the probe taken and
 * given back. Each returns the record itself when nothing changes, so nothing is written.
 */

/** A rate_limit_event seen at `observedAt`: its windows replace the stored ones, unless a newer observation is stored. */
export function withObservation(record: QuotaRecord, info: RateLimitInfo, observedAt: number, worker: string): QuotaRecord {
	if (record.updatedAt !== null && Date.parse(record.updatedAt) > observedAt) {
		return record;
	}

	const windows: Record<string, StoredWindow> = {};
	// A window the event leaves out is one whose reset has passed (the CLI drops those): a stored one still ahead stays.
	for (const [name, window] of Object.entries(record.windows)) {
		if (Date.parse(window.resetsAt) > observedAt) {
			windows[name] = window;
		}
	}

	for (const [name, window] of Object.entries(info.windows ?? {})) {
		windows[name] = {utilization: window.utilization, resetsAt: new Date(window.resetsAt).toISOString(), status: window.status};
	}

	if (!info.windows && info.status === 'rejected' && info.rateLimitType && info.resetsAt !== null) {
		// A rejection without the window headers: the window that refused is full until its reset.
		windows[info.rateLimitType] = {utilization: 1, resetsAt: new Date(info.resetsAt).toISOString(), status: 'rejected'};
	}

	return {
		...record,
		updatedAt: new Date(observedAt).toISOString(),
		observedBy: worker,
		workers: record.workers.includes(worker) ? record.workers : [...record.workers, worker].sort(),
		status: info.status,
		rateLimitType: info.rateLimitType,
		isUsingOverage: info.isUsingOverage,
		windows,
	};
}

/** A usage-limit rejection: the later of two pauses holds (one written meanwhile by another worker of the account). */
export function withPause(record: QuotaRecord, pause: QuotaPause): QuotaRecord {
	if (record.pause && Date.parse(record.pause.until) >= Date.parse(pause.until)) {
		return record;
	}

	return {...record, pause};
}

export function withProbe(record: QuotaRecord, probe: QuotaProbe): QuotaRecord {
	return {...record, probe};
}

/**
 * The probe run `runId` is done with its turn: it gives the probe back; when the API answered it (not
 * rejected), the pause it probed ends too. A pause still ahead (a rejection since) stays.
 */
export function afterProbe(record: QuotaRecord, runId: string, answered: boolean, now: number): QuotaRecord {
	const ownProbe = record.probe?.runId === runId;
	const endPause = answered && record.pause !== undefined && !(Date.parse(record.pause.until) > now);
	if (!ownProbe && !endPause) {
		return record;
	}

	const {probe, pause, ...rest} = record;
	return {...rest, ...(ownProbe ? {} : probe ? {probe} : {}), ...(endPause ? {} : pause ? {pause} : {})};
}

/** `spool resume`: the pause ends now, and no probe is waited for. */
export function withoutPause(record: QuotaRecord): QuotaRecord {
	if (!record.pause && !record.probe) {
		return record;
	}

	const {pause: _pause, probe: _probe, ...rest} = record;
	return rest;
}
