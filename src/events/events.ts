import fs from 'node:fs';
import path from 'node:path';
import {appendJsonLine, MAX_LINE_BYTES} from '../queue/append-line.ts';
import {dayOf} from '../ledger/day.ts';
import type {Layout} from '../queue/layout.ts';
import {readJsonFile} from '../queue/read-file.ts';
import {writeNewEntry} from '../notify/entry.ts';
import {wantsNotification} from '../notify/wants.ts';
import type {EventType} from './types.ts';

export {EVENT_TYPES, type EventType} from './types.ts';

/** An event as a caller gives it: its type, when, a sentence for a person, and fields of its own. */
export type EventInput = {type: EventType; time: string; message: string; [field: string]: unknown};

export type SpoolEvent = EventInput & {version: 1};

/**
 * The one way an event is told, by any process of the home: one line of events/DATE.jsonl (one write,
 * like the ledger), and, when spool.yaml's notify section lists its type, an outbox entry for the sender
 * (notify/entry.ts), written durably before this returns. Nothing here waits on the network. Returns the
 * outbox entry's id, if one was written. Throws when either write fails (a full disk): callers log it.
 */
export function appendEvent(layout: Layout, timezone: string, event: EventInput): string | undefined {
	const record: SpoolEvent = {version: 1, ...event};
	appendJsonLine(layout.eventsFile(dayOf(Date.parse(event.time), timezone)), fitLine(record));
	return wantsNotification(layout.home, event.type) ? writeNewEntry(layout, record) : undefined;
}

/** A line must stay under MAX_LINE_BYTES to land whole: a long question is cut there (the outbox entry keeps it whole). */
function fitLine(record: SpoolEvent): SpoolEvent {
	if (Buffer.byteLength(JSON.stringify(record)) < MAX_LINE_BYTES - 100) {
		return record;
	}

	const cut = Object.entries(record).map(([key, value]) => [key, typeof value === 'string' && value.length > 400 ? `${value.slice(0, 400)}… (cut)` : value]);
	return Object.fromEntries(cut) as SpoolEvent;
}

/**
 * Appends the event only if no process of the home did under the same key: events/.once/KEY.json is
 * created exclusively, so of many loops and containers that see the same moment, one tells. Returns
 * whether this call did.
 */
export function emitOnce(layout: Layout, timezone: string, key: string, event: EventInput): boolean {
	const mark = layout.onceMark(key);
	try {
		fs.mkdirSync(path.dirname(mark), {recursive: true});
		fs.writeFileSync(mark, `${JSON.stringify({version: 1, ...event})}\n`, {flag: 'wx'});
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
			return false;
		}

		throw error;
	}

	try {
		appendEvent(layout, timezone, event);
	} catch (error) {
		// Not told (a full disk): the mark goes, so that the next process to see the moment tells it.
		fs.rmSync(mark, {force: true});
		throw error;
	}

	return true;
}

/** The event an emitOnce under `key` sent, if one did. */
export function readOnce(layout: Layout, key: string): SpoolEvent | undefined {
	const value = readJsonFile(layout.onceMark(key), 64 * 1024) as SpoolEvent | undefined;
	return value && typeof value.time === 'string' ? value : undefined;
}
