import path from 'node:path';
import {loadConfig} from '../config/load.ts';
import type {NotifyConfig} from '../config/schema.ts';
import {fileStamp} from '../queue/file-stamp.ts';

/** spool.yaml's notify section as last read, per home, with the file's stamp when it was read. */
const readings = new Map<string, {stamp: string; notify: NotifyConfig | undefined}>();

/**
 * Whether an event of `type` gets an outbox entry: spool.yaml has a notify section that lists the type.
 * Asked by every producer (a worker loop, the orchestrator, a CLI command, in any container of the home),
 * none of which is handed the notify settings: spool.yaml is read here, again whenever it changed (one
 * stat per event), so a home without notify never grows an outbox and one that gains it queues at once.
 * A spool.yaml that does not load leaves the last reading in force; with none, the entry is written
 * (the sender checks the type again against its own reading).
 */
export function wantsNotification(home: string, type: string): boolean {
	const stamp = fileStamp(path.join(home, 'spool.yaml'));
	let reading = readings.get(home);
	if (reading?.stamp !== stamp) {
		try {
			reading = {stamp, notify: loadConfig(home).notify};
			readings.set(home, reading);
		} catch {
			if (!reading) {
				return true;
			}
		}
	}

	return reading.notify?.events.includes(type as NotifyConfig['events'][number]) ?? false;
}
