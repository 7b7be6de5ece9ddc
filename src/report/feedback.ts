import path from 'node:path';
import {splitFeedback} from '../feedback/sections.ts';
import {addDays} from '../ledger/day.ts';
import type {Layout} from '../queue/layout.ts';
import {readRegularFile} from '../queue/read-file.ts';
import {MAX_FEEDBACK_FILE_BYTES} from '../feedback/for-run.ts';
import type {DayTask} from './day-tasks.ts';
import type {Report} from './record.ts';

/** A feedback file as it reads now, split; undefined when it is not there (or no regular file). */
function readFeedbackParts(layout: Layout, file: string, workers: readonly string[]) {
	try {
		const read = readRegularFile(path.join(layout.home, file), {maxBytes: MAX_FEEDBACK_FILE_BYTES});
		return read.kind === 'file' ? splitFeedback(read.text, workers) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * Which feedback the day's finished tasks were given (each result's `feedback`), to which workers and
 * how many of their tasks, with the parts each worker got (read from the file as it is now); and where
 * the person writes the feedback on this day.
 */
export function describeFeedback(layout: Layout, date: string, tasks: readonly DayTask[], workers: readonly string[], feedbackDays: number): Report['feedback'] {
	const byFile = new Map<string, Map<string, number>>();
	for (const task of tasks) {
		const file = task.result?.feedback;
		if (file) {
			const counts = byFile.get(file) ?? new Map<string, number>();
			counts.set(task.worker, (counts.get(task.worker) ?? 0) + 1);
			byFile.set(file, counts);
		}
	}

	const applied = [...byFile.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([file, counts]) => {
		const parts = readFeedbackParts(layout, file, workers);
		return {
			file,
			workers: [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([worker, count]) => ({
				worker,
				tasks: count,
				parts: [...(parts?.all ? (['all'] as const) : []), ...(parts?.workers[worker] ? (['own'] as const) : [])],
			})),
		};
	});
	const next = path.relative(layout.home, layout.feedbackFile(date));
	const written = readFeedbackParts(layout, next, workers);
	return {
		applied,
		next: {file: next, exists: written !== undefined, forAll: Boolean(written?.all), workers: Object.keys(written?.workers ?? {}).sort(), givenFrom: addDays(date, 1), days: feedbackDays},
	};
}
