import fs from 'node:fs';
import path from 'node:path';
import {randomBytes} from 'node:crypto';
import {z} from 'zod';
import {renameDurable, tempPathFor, writeJsonAtomic} from '../queue/atomic-write.ts';
import type {Layout} from '../queue/layout.ts';
import {readRegularFile} from '../queue/read-file.ts';

export const OUTBOX_VERSION = 1;

/** Larger than any event spool writes (a question is cut well below it); a bigger file is not an entry. */
const MAX_ENTRY_BYTES = 1024 * 1024;

/**
 * Where the delivery of one entry to one target stands, with the data of that state only: retrying
 * (when next), sent (when, and Telegram's message id), failed (given up, and why). A target with no
 * delivery yet has not been tried.
 */
export const deliverySchema = z.discriminatedUnion('state', [
	z.looseObject({state: z.literal('retrying'), attempts: z.number().int().min(1), lastAttemptAt: z.string(), lastError: z.string(), nextAt: z.string()}),
	z.looseObject({state: z.literal('sent'), attempts: z.number().int().min(1), sentAt: z.string(), messageId: z.number().int().optional()}),
	z.looseObject({state: z.literal('failed'), attempts: z.number().int().min(1), lastAttemptAt: z.string(), lastError: z.string(), gaveUpAt: z.string()}),
]);

export type Delivery = z.output<typeof deliverySchema>;

/**
 * outbox/ID.json: one event to send, and its delivery to each target (targets.ts names them). Written by
 * the producer (appendEvent) before anything is sent, changed only by the sender, moved to sent/ or
 * failed/ once every target has it or was given up on. A versioned record, parsed on read; the event's
 * type is any string, so an entry a later spool wrote is still sent.
 */
export const outboxEntrySchema = z.looseObject({
	version: z.literal(OUTBOX_VERSION),
	id: z.string(),
	createdAt: z.string(),
	event: z.looseObject({type: z.string(), time: z.string(), message: z.string()}),
	deliveries: z.record(z.string(), deliverySchema).default({}),
	/** Why the sender dropped it unsent (its type left notify.events). */
	skipped: z.string().optional(),
});

export type OutboxEntry = z.output<typeof outboxEntrySchema>;
export type StoredEvent = OutboxEntry['event'];

/** Sorts by time: `20261201T140211408Z-task_dead-k3v9q2`, so `ls outbox/` lists the oldest first and says what each is. */
export function newEntryId(type: string, time: number): string {
	const stamp = new Date(Number.isFinite(time) ? time : Date.now()).toISOString().replaceAll(/[-:.]/g, '');
	return `${stamp}-${type.replaceAll(/[^\w]/g, '_')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Writes a new entry durably: a dot-named temp file, fsync, rename, fsync of the folder, as every queue
 * file is written. Synchronous, so appendEvent stays a plain call for every producer: it costs a few
 * milliseconds of disk, and events are rare (a handful a day). Never waits on the network.
 */
export function writeNewEntry(layout: Layout, event: StoredEvent): string {
	const id = newEntryId(event.type, Date.parse(event.time));
	const entry: OutboxEntry = {version: OUTBOX_VERSION, id, createdAt: new Date().toISOString(), event, deliveries: {}};
	const file = layout.outboxFile(id);
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const temp = tempPathFor(file);
	try {
		const fd = fs.openSync(temp, 'wx');
		try {
			fs.writeFileSync(fd, `${JSON.stringify(entry, null, 2)}\n`);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}

		fs.renameSync(temp, file);
	} catch (error) {
		fs.rmSync(temp, {force: true});
		throw error;
	}

	const dir = fs.openSync(path.dirname(file), 'r');
	try {
		fs.fsyncSync(dir);
	} finally {
		fs.closeSync(dir);
	}

	return id;
}

/** The ids of the entries in a folder of the outbox, oldest first; temp files and the offset file are dot-named and left out. */
export function listEntryIds(folder: string): string[] {
	const names = fs.readdirSync(folder, {withFileTypes: true, encoding: 'utf8'}).filter(entry => entry.isFile() && !entry.name.startsWith('.') && entry.name.endsWith('.json'));
	return names.map(entry => entry.name.slice(0, -'.json'.length)).sort();
}

export type EntryRead = {kind: 'entry'; entry: OutboxEntry} | {kind: 'missing'} | {kind: 'bad'; problem: string};

export function readEntry(file: string): EntryRead {
	const read = readRegularFile(file, {maxBytes: MAX_ENTRY_BYTES});
	if (read.kind === 'missing') {
		return {kind: 'missing'};
	}

	if (read.kind !== 'file') {
		return {kind: 'bad', problem: read.kind === 'too-large' ? `larger than ${MAX_ENTRY_BYTES} bytes` : `a ${read.entry}, not a file`};
	}

	let raw: unknown;
	try {
		raw = JSON.parse(read.text);
	} catch (error) {
		return {kind: 'bad', problem: `not JSON (${(error as Error).message})`};
	}

	const parsed = outboxEntrySchema.safeParse(raw);
	return parsed.success ? {kind: 'entry', entry: parsed.data} : {kind: 'bad', problem: parsed.error.issues.map(issue => `${issue.path.join('.') || '(top level)'}: ${issue.message}`).join('; ')};
}

/** The entry's deliveries as they stand now, in place: a kill -9 after this loses nothing that was recorded. */
export function saveEntry(layout: Layout, entry: OutboxEntry): Promise<void> {
	return writeJsonAtomic(layout.outboxFile(entry.id), entry);
}

/** Moves a finished entry (its last state saved first) out of outbox/, into sent/ or failed/. */
export async function retireEntry(layout: Layout, id: string, outcome: 'sent' | 'failed'): Promise<void> {
	fs.mkdirSync(layout.outboxDone(outcome), {recursive: true});
	await renameDurable(layout.outboxFile(id), layout.outboxDoneFile(outcome, id));
}

/** Deletes entries of sent/ or failed/ last changed before `before` (epoch ms); returns how many. */
export function pruneRetired(layout: Layout, outcome: 'sent' | 'failed', before: number): number {
	const folder = layout.outboxDone(outcome);
	let removed = 0;
	for (const id of fs.existsSync(folder) ? listEntryIds(folder) : []) {
		const file = layout.outboxDoneFile(outcome, id);
		const stat = fs.statSync(file, {throwIfNoEntry: false});
		if (stat && stat.mtimeMs < before) {
			fs.rmSync(file, {force: true});
			removed++;
		}
	}

	return removed;
}
