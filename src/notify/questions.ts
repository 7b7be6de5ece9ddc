import fs from 'node:fs';
import type {Layout} from '../queue/layout.ts';
import {listEntryIds, readEntry, type OutboxEntry} from './entry.ts';

/** A task whose agent asked a question, and which question (its deferred call): what answerQuestion takes. */
export type QuestionRef = {worker: string; id: string; toolUseId?: string};

/**
 * Which Telegram message asked which question, so that a reply to it finds its task. Rebuilt at start
 * from the question entries the outbox holds (pending, sent or failed elsewhere), each of which keeps
 * the message id Telegram gave it; then kept as the sender sends. A question sent longer ago than
 * outbox/sent/ keeps entries (7 days) can no longer be answered by a reply.
 */
export class QuestionIndex {
	readonly #byMessage = new Map<string, QuestionRef>();
	/** The question being sent to Telegram now: a reply can come back before its message id is noted. */
	#sending: Promise<unknown> = Promise.resolve();

	load(layout: Layout): void {
		const folders = [
			{folder: layout.outboxRoot, fileOf: layout.outboxFile},
			...(['sent', 'failed'] as const).map(outcome => ({folder: layout.outboxDone(outcome), fileOf: (id: string) => layout.outboxDoneFile(outcome, id)})),
		];
		for (const {folder, fileOf} of folders) {
			const ids = fs.existsSync(folder) ? listEntryIds(folder) : [];
			// The type is in the id (entry.ts newEntryId): only question entries are opened.
			for (const id of ids.filter(id => id.includes('-question-'))) {
				const read = readEntry(fileOf(id));
				if (read.kind === 'entry') {
					this.addEntry(read.entry);
				}
			}
		}
	}

	/** Notes every Telegram message of a question entry. */
	addEntry(entry: OutboxEntry): void {
		const ref = refOf(entry);
		for (const [key, delivery] of Object.entries(entry.deliveries)) {
			if (ref && key.startsWith('telegram:') && delivery.state === 'sent' && delivery.messageId !== undefined) {
				this.#byMessage.set(`${key}#${delivery.messageId}`, ref);
			}
		}
	}

	/** Marks a question's delivery under way, until `delivery` settles with its message id noted. */
	track<T>(delivery: Promise<T>): Promise<T> {
		this.#sending = delivery.catch(() => undefined);
		return delivery;
	}

	/** The question a message asked; waits for a question's delivery under way, which may be that message. */
	async find(targetKey: string, messageId: number): Promise<QuestionRef | undefined> {
		const known = this.#byMessage.get(`${targetKey}#${messageId}`);
		if (known) {
			return known;
		}

		await this.#sending;
		return this.#byMessage.get(`${targetKey}#${messageId}`);
	}
}

function refOf(entry: OutboxEntry): QuestionRef | undefined {
	const {type, worker, id, toolUseId} = entry.event as Record<string, unknown>;
	return type === 'question' && typeof worker === 'string' && typeof id === 'string' ? {worker, id, ...(typeof toolUseId === 'string' ? {toolUseId} : {})} : undefined;
}
