/**
 * The budget's day: a ledger file per date in the budget's time zone, and the day ends at local midnight
 * there (a day of 23 or 25 hours when the clocks change).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Per zone, the day last asked for and the span of time known to lie in it: asked before every claim, formatted once a day. */
const known = new Map<string, {day: string; from: number; until: number}>();

/** The date (YYYY-MM-DD) of `time` in `timezone`. */
export function dayOf(time: number, timezone: string): string {
	const span = known.get(timezone);
	if (span && time >= span.from && time < span.until) {
		return span.day;
	}

	const day = formatDay(time, timezone);
	known.set(timezone, {day, from: time, until: findEndOfDay(time, timezone, day)});
	return day;
}

function formatDay(time: number, timezone: string): string {
	let format = formatters.get(timezone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-CA', {timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit'});
		formatters.set(timezone, format);
	}

	return format.format(time);
}

/** When the day of `time` ends in `timezone` (epoch ms): the first millisecond whose date differs. */
export function endOfDay(time: number, timezone: string): number {
	dayOf(time, timezone);
	return known.get(timezone)!.until;
}

function findEndOfDay(time: number, timezone: string, today: string): number {
	// Local midnight lies 0-26 h ahead (26 with a clock change): step an hour at a time, then find the minute.
	let low = time;
	let high = time + 3_600_000;
	while (formatDay(high, timezone) === today) {
		low = high;
		high += 3_600_000;
	}

	while (high - low > 1) {
		const middle = Math.floor((low + high) / 2);
		if (formatDay(middle, timezone) === today) {
			low = middle;
		} else {
			high = middle;
		}
	}

	return high;
}

/** The `count` dates ending with the date of `time`, oldest first. */
export function lastDays(time: number, timezone: string, count: number): string[] {
	const days: string[] = [];
	let at = time;
	while (days.length < count) {
		const day = formatDay(at, timezone);
		if (days[0] !== day) {
			days.unshift(day);
		}

		at -= 3_600_000 * 12;
	}

	return days;
}
