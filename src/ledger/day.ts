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

/** The span of the date `date` (YYYY-MM-DD) in `timezone`: its first millisecond, and the first of the next day (epoch ms). */
export function dayBounds(date: string, timezone: string): {from: number; until: number} {
	// Noon UTC of the date lies in it, or within 14 hours of it (the widest offsets): step to it by half days.
	let inside = Date.parse(`${date}T12:00:00Z`);
	for (let day = formatDay(inside, timezone); day !== date; day = formatDay(inside, timezone)) {
		inside += day < date ? 12 * 3_600_000 : -12 * 3_600_000;
	}

	// An hour at a time back out of the day: the first step outside lies in the day before (a day has at least 23 hours).
	let before = inside;
	while (formatDay(before, timezone) === date) {
		before -= 3_600_000;
	}

	return {from: findEndOfDay(before, timezone, formatDay(before, timezone)), until: findEndOfDay(inside, timezone, date)};
}

/** The date `days` calendar days after `date` (before, when negative); both YYYY-MM-DD. */
export function addDays(date: string, days: number): string {
	return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

const clocks = new Map<string, Intl.DateTimeFormat>();

/** The time of day of `time` in `timezone`, HH:MM on a 24-hour clock. */
export function clockOf(time: number, timezone: string): string {
	let format = clocks.get(timezone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-GB', {timeZone: timezone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23'});
		clocks.set(timezone, format);
	}

	return format.format(time);
}

/** A date spool names ledger files by: YYYY-MM-DD, and a day the calendar has (no 2026-02-30). */
export function isCalendarDate(text: string): boolean {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
	if (!match) {
		return false;
	}

	const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
	const date = new Date(Date.UTC(year, month - 1, day));
	return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
