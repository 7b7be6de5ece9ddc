import {buildLedgerEntry, type LedgerEntry, type LedgerEntryInput} from '../../src/ledger/entry.ts';

/** A ledger line as a worker appends it: a succeeded first run of coder/t on an API key, costing nothing, unless `fields` says otherwise. */
export function ledgerEntry(fields: Partial<LedgerEntryInput> = {}): LedgerEntry {
	return buildLedgerEntry({
		time: new Date().toISOString(),
		worker: 'coder',
		task: 't',
		attempt: 1,
		runId: 'r',
		outcome: 'succeeded',
		error: null,
		costUsd: 0,
		usage: null,
		model: null,
		durationMs: 1,
		workflow: null,
		auth: 'api-key',
		sessionId: null,
		...fields,
	});
}
