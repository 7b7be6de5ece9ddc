import {addDays, isCalendarDate} from '../ledger/day.ts';

/** feedback/DATE.md: the date of a feedback file's name, or undefined for any other entry (an editor's debris, a dotfile). */
export function feedbackDateOf(name: string): string | undefined {
	const match = /^(\d{4}-\d{2}-\d{2})\.md$/.exec(name);
	return match && isCalendarDate(match[1]!) ? match[1] : undefined;
}

/**
 * The feedback a task that runs on `today` gets: the latest feedback/DATE.md dated before today (a review
 * written on the evening of a day is for the days after it), and no older than `maxDays` days. 0 days:
 * none. A file dated today or later waits for its day.
 */
export function pickFeedbackDate(names: readonly string[], today: string, maxDays: number): string | undefined {
	if (maxDays <= 0) {
		return undefined;
	}

	const oldest = addDays(today, -maxDays);
	let picked: string | undefined;
	for (const name of names) {
		const date = feedbackDateOf(name);
		if (date !== undefined && date < today && date >= oldest && (picked === undefined || date > picked)) {
			picked = date;
		}
	}

	return picked;
}
