import fs from 'node:fs/promises';
import path from 'node:path';
import {appendEvent, type EventInput} from '../../src/events/events.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {listDir, readJson, waitFor} from './home.ts';

/** A bot token of the real shape: the tests look for it in every log, entry and status. */
export const BOT_TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
export const CHAT_ID = '4242';

/** The sender's clock in tests: milliseconds, not minutes. */
export const FAST_TUNING = {backoffMs: 100, backoffMaxMs: 400, maxAttempts: 4, timeoutMs: 3000, scanMs: 50, pollSeconds: 1, pollRetryMs: 100, closeGraceMs: 500};

export function tuningEnv(tuning: Record<string, number> = {}): Record<string, string> {
	return {SPOOL_NOTIFY_TUNING: JSON.stringify({...FAST_TUNING, ...tuning})};
}

/** Tells an event the way every producer does (appendEvent): returns its outbox entry's id. */
export function tell(home: string, event: Partial<EventInput> & Pick<EventInput, 'type'>): string {
	const id = appendEvent(createLayout(home), 'UTC', {time: new Date().toISOString(), message: `a ${event.type} event`, ...event} as EventInput);
	if (!id) {
		throw new Error('no outbox entry was written: is notify set in spool.yaml?');
	}

	return id;
}

export function entryFile(home: string, id: string, folder: '' | 'sent' | 'failed' = ''): string {
	return path.join(home, 'outbox', folder, `${id}.json`);
}

/** Waits for the entry to land in outbox/sent/ or outbox/failed/. */
export function retired(home: string, id: string, folder: 'sent' | 'failed', timeoutMs = 15_000): Promise<Record<string, any>> {
	return waitFor(() => readJson(entryFile(home, id, folder)), timeoutMs, `outbox/${folder}/${id}.json`);
}

/** Every entry's id in one folder of the outbox. */
export async function entriesIn(home: string, folder: '' | 'sent' | 'failed' = ''): Promise<string[]> {
	return (await listDir(path.join(home, 'outbox', folder))).filter(name => name.endsWith('.json') && !name.startsWith('.')).map(name => name.slice(0, -5));
}

/** Every file under the outbox and the logs, as one text: a secret must appear in none. */
export async function allStateText(home: string): Promise<string> {
	const texts: string[] = [];
	for (const root of ['outbox', 'logs', 'events']) {
		for (const file of await fs.readdir(path.join(home, root), {recursive: true}).catch(() => [] as string[])) {
			texts.push(await fs.readFile(path.join(home, root, file), 'utf8').catch(() => ''));
		}
	}

	return texts.join('\n');
}
