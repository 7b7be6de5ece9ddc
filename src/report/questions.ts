import path from 'node:path';
import {parseEntryName} from '../lifecycle/names.ts';
import type {Layout} from '../queue/layout.ts';
import {entryKindAt, isObject, readdirOrEmpty, readJsonFile} from '../queue/read-file.ts';

/** A task whose agent asked a person something, and waits for the answer. */
export type OpenQuestion = {
	worker: string;
	id: string;
	askedAt: string | null;
	text: string;
	options: string[];
	/** results/W/ID.question.md, relative to the home, when it is there. */
	questionFile: string | null;
};

/**
 * The tasks waiting for an answer, read loosely from waiting/W/ID.json (`{version, worker, id, askedAt,
 * question: {text, options?, context?}}`): a file that is not such a record is skipped. The one reader
 * of waiting/ the report uses, so it can give way to the waiting records' own reader.
 */
export function readOpenQuestions(layout: Layout, workers: readonly string[]): OpenQuestion[] {
	const found: OpenQuestion[] = [];
	for (const worker of workers) {
		for (const name of readdirOrEmpty(layout.waiting(worker))) {
			const entry = parseEntryName(name);
			if (entry.kind !== 'task') {
				continue;
			}

			const raw = readJsonFile(layout.waitingFile(worker, entry.id));
			const record = isObject(raw) ? raw : {};
			const question = isObject(record.question) ? record.question : undefined;
			if (!question || typeof question.text !== 'string') {
				continue;
			}

			const questionFile = layout.questionFile(worker, entry.id);
			found.push({
				worker,
				id: entry.id,
				askedAt: typeof record.askedAt === 'string' ? record.askedAt : null,
				text: question.text,
				options: Array.isArray(question.options) ? question.options.filter((option): option is string => typeof option === 'string') : [],
				questionFile: entryKindAt(questionFile) === 'file' ? path.relative(layout.home, questionFile) : null,
			});
		}
	}

	return found.sort((a, b) => (a.askedAt ?? '').localeCompare(b.askedAt ?? '') || `${a.worker}/${a.id}`.localeCompare(`${b.worker}/${b.id}`));
}
