import path from 'node:path';
import type {Layout} from '../queue/layout.ts';
import {readdirOrEmpty} from '../queue/read-file.ts';
import {AccountResolver, type AccountKey} from './account.ts';
import {readQuotaRecord, type QuotaRecord} from './state.ts';

/**
 * The account of a worker as a command outside its loop sees it (status, resume): the one its auth
 * home and `env` name; when the command runs with another environment than the workers (no token in
 * its shell), the record that lists the worker among those seen on it, the latest updated.
 */
export function findWorkerAccount(layout: Layout, worker: string, env: NodeJS.ProcessEnv = process.env): {account: AccountKey; record: QuotaRecord | undefined} {
	const account = new AccountResolver(layout.authHome(worker), worker, env).current();
	const own = readQuotaRecord(layout, account.key);
	if (own) {
		return {account, record: own};
	}

	let found: QuotaRecord | undefined;
	for (const name of readdirOrEmpty(layout.quotaRoot)) {
		if (!name.endsWith('.json') || name.startsWith('.')) {
			continue;
		}

		const record = readQuotaRecord(layout, path.basename(name, '.json'));
		if (record?.workers.includes(worker) && (!found || (record.updatedAt ?? '') > (found.updatedAt ?? ''))) {
			found = record;
		}
	}

	return found ? {account: {key: found.account, source: found.source}, record: found} : {account, record: undefined};
}
