import fs from 'node:fs';
import path from 'node:path';
import {appendJsonLine} from '../queue/append-line.ts';
import {dayOf} from '../ledger/day.ts';
import type {Layout} from '../queue/layout.ts';
import {readJsonFile} from '../queue/read-file.ts';

import type {EventType} from './types.ts';

export {EVENT_TYPES, type EventType} from './types.ts';

/** An event as a caller gives it: its type, when, a sentence for a person, and fields of its own. */
export type EventInput = {type: EventType; time: string; message: string; [field: string]: unknown};

export type SpoolEvent = EventInput & {version: 1};

/** Appends an event to events/DATE.jsonl (one line, one write, like the ledger). */
export function appendEvent(layout: Layout, timezone: string, event: EventInput): void {
	appendJsonLine(layout.eventsFile(dayOf(Date.parse(event.time), timezone)), {version: 1, ...event});
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

	appendEvent(layout, timezone, event);
	return true;
}

/** The event an emitOnce under `key` sent, if one did. */
export function readOnce(layout: Layout, key: string): SpoolEvent | undefined {
	const value = readJsonFile(layout.onceMark(key), 64 * 1024) as SpoolEvent | undefined;
	return value && typeof value.time === 'string' ? value : undefined;
}
