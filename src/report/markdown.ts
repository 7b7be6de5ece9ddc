import {clockOf, dayOf} from '../ledger/day.ts';

/*
 * Markdown that reads the same rendered on GitHub and as plain text in a terminal: tables padded to
 * their columns, code spans for names and commands, no HTML, and text from elsewhere (an error message,
 * a question) escaped where markdown would take it for markup.
 */

/** A GitHub table, each column padded to its widest cell; `right` columns are right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
	const cells = [header, ...rows].map(row => row.map(cell => cell.replaceAll('|', '\\|')));
	const widths = header.map((_, column) => Math.max(3, ...cells.map(row => (row[column] ?? '').length)));
	const line = (row: readonly string[]) => `| ${row.map((cell, column) => (right.includes(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!))).join(' | ')} |`;
	const rule = `| ${widths.map((width, column) => (right.includes(column) ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
	return [line(cells[0]!), rule, ...cells.slice(1).map(row => line(row))];
}

/** Text from elsewhere on one line, at most `max` characters, with what markdown would read as markup escaped. */
export function prose(text: string, max = 400): string {
	const flat = text.replace(/\s+/g, ' ').trim();
	const cut = flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
	return cut.replace(/[\\`*<[\]]/g, match => `\\${match}`).replace(/^([#>+-])/, '\\$1');
}

/** A code span that holds any text: fenced by more backticks than it holds in a row. */
export function code(text: string): string {
	const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length));
	const fence = '`'.repeat(longest + 1);
	return longest > 0 || text.startsWith(' ') ? `${fence} ${text} ${fence}` : `${fence}${text}${fence}`;
}

/** $1.8210; with `*` when the sum holds an estimate. */
export function usd(amount: number, estimated = false): string {
	return `$${amount.toFixed(4)}${estimated ? '*' : ''}`;
}

/** A budget's round figure as spool.yaml has it: $50, $0.05. */
export function budgetUsd(amount: number): string {
	return `$${Number.isInteger(amount) ? amount : amount.toString()}`;
}

export function percent(share: number): string {
	return `${Math.round(share * 100)} %`;
}

/** 14:02 on the report's own day; the date too on any other. */
export function clock(iso: string, timezone: string, date: string): string {
	const time = Date.parse(iso);
	if (Number.isNaN(time)) {
		return iso;
	}

	const day = dayOf(time, timezone);
	return day === date ? clockOf(time, timezone) : `${day} ${clockOf(time, timezone)}`;
}

/** 4m 10s, 1h 02m, 42s: a run's wall time. */
export function runTime(ms: number): string {
	const seconds = Math.round(ms / 1000);
	if (seconds < 60) {
		return `${seconds}s`;
	}

	const minutes = Math.floor(seconds / 60);
	if (minutes < 60) {
		return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
	}

	return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, '0')}m`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
	return `${count} ${count === 1 ? one : many}`;
}
