import fs from 'node:fs';
import type {Config} from '../config/load.ts';
import type {Layout} from '../queue/layout.ts';
import {listEntryIds, readEntry} from './entry.ts';
import {targetsOf} from './targets.ts';

/** The failures spool status names; the rest are counted. */
const FAILURES_SHOWN = 5;

/**
 * A delivery that has not worked: which entry, which target (its label, never a URL), the last error,
 * and `at`: when it is tried again (retrying) or when it was given up (failed).
 */
export type DeliveryTrouble = {entry: string; type: string; target: string; state: 'retrying' | 'failed'; attempts: number; error: string; at: string};

/** What `spool status` says of notifications: the targets, what waits in outbox/, what is retrying, what was given up. */
export type NotifyView = {
	configured: boolean;
	targets: string[];
	pending: number;
	/** The deliveries of entries still in outbox/ that failed: to be tried again, or given up while another target is still tried. */
	retrying: DeliveryTrouble[];
	failed: number;
	/** The newest entries of outbox/failed/ (`at`: when they were given up). */
	lastFailed: DeliveryTrouble[];
};

/** Reads outbox/ (unsent entries are few) and the newest few of outbox/failed/. */
export function viewNotify(config: Config, layout: Layout): NotifyView {
	const labels = new Map((config.notify ? targetsOf(config.notify, config.home) : []).map(target => [target.key, target.label]));
	// An unsent entry waits only for the targets configured now; a failed one says what it was given up for.
	const troubles = (file: string, id: string, current: boolean): DeliveryTrouble[] => {
		const read = readEntry(file);
		if (read.kind !== 'entry') {
			return read.kind === 'bad' ? [{entry: id, type: '?', target: '-', state: 'failed', attempts: 0, error: `unreadable: ${read.problem}`, at: ''}] : [];
		}

		return Object.entries(read.entry.deliveries).flatMap(([key, delivery]) => {
			if (delivery.state === 'sent' || (current && !labels.has(key))) {
				return [];
			}

			const at = delivery.state === 'retrying' ? delivery.nextAt : delivery.gaveUpAt;
			return [{entry: id, type: read.entry.event.type, target: labels.get(key) ?? key, state: delivery.state, attempts: delivery.attempts, error: delivery.lastError, at}];
		});
	};

	const pending = listIds(layout.outboxRoot);
	const failed = listIds(layout.outboxDone('failed'));
	return {
		configured: config.notify !== undefined,
		targets: [...labels.values()],
		pending: pending.length,
		retrying: pending.flatMap(id => troubles(layout.outboxFile(id), id, true)),
		failed: failed.length,
		lastFailed: failed.slice(-FAILURES_SHOWN).reverse().flatMap(id => troubles(layout.outboxDoneFile('failed', id), id, false)),
	};
}

function listIds(folder: string): string[] {
	return fs.existsSync(folder) ? listEntryIds(folder) : [];
}
