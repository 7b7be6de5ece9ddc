import path from 'node:path';
import {readWaitingTasks} from '../ask/waiting-tasks.ts';
import type {Layout} from '../queue/layout.ts';
import {entryKindAt} from '../queue/read-file.ts';

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

/** The tasks waiting for an answer (ask/waiting-tasks.ts), as the report lists them. */
export function readOpenQuestions(layout: Layout, workers: readonly string[]): OpenQuestion[] {
	return readWaitingTasks(layout, workers).map(({worker, id, task}) => {
		const questionFile = layout.questionFile(worker, id);
		return {
			worker,
			id,
			askedAt: task.ask.askedAt,
			text: task.ask.question,
			options: task.ask.options ?? [],
			questionFile: entryKindAt(questionFile) === 'file' ? path.relative(layout.home, questionFile) : null,
		};
	});
}
