import path from 'node:path';
import type {Layout} from '../queue/layout.ts';
import {readJsonFile, readRegularFile, readdirOrEmpty, isObject} from '../queue/read-file.ts';

const REPORT_NAME = /^(\d{4}-\d{2}-\d{2})\.md$/;

/** A report's markdown is shown up to this; a larger one is cut, and the page says so. */
const MAX_REPORT_BYTES = 2 * 1024 * 1024;

export type ReportRow = {date: string; size: number; mtimeMs: number; tasks: number | null; failed: number | null; costUsd: number | null};

/** GET /api/reports: the reports of reports/DATE.md, newest first, with the day's figures from DATE.json when it is there. */
export function listReports(layout: Layout): ReportRow[] {
	return readdirOrEmpty(layout.reportsRoot)
		.flatMap(name => REPORT_NAME.exec(name)?.[1] ?? [])
		.sort()
		.reverse()
		.flatMap(date => {
			const read = readRegularFile(layout.reportFile(date, 'md'), {maxBytes: 0});
			if (read.kind !== 'too-large' && read.kind !== 'file') {
				return [];
			}

			return [{date, size: read.size, mtimeMs: read.mtimeMs, ...figuresOf(layout, date)}];
		});
}

/** GET /api/reports/DATE: the markdown (the page renders it, HTML escaped) and its figures. */
export function readReport(layout: Layout, date: string) {
	const file = layout.reportFile(date, 'md');
	const read = readRegularFile(file, {maxBytes: MAX_REPORT_BYTES});
	if (read.kind !== 'file' && read.kind !== 'too-large') {
		return undefined;
	}

	return {
		date,
		file: path.relative(layout.home, file),
		markdown: read.kind === 'file' ? read.text : null,
		tooLarge: read.kind === 'too-large' ? read.size : null,
		...figuresOf(layout, date),
	};
}

export function isReportDate(date: string): boolean {
	return REPORT_NAME.test(`${date}.md`);
}

/** The day's totals from reports/DATE.json; nulls when it is missing or not a report. */
function figuresOf(layout: Layout, date: string): {tasks: number | null; failed: number | null; costUsd: number | null} {
	const record = readJsonFile(layout.reportFile(date, 'json'));
	const summary = isObject(record) && isObject(record.summary) ? record.summary : undefined;
	const tasks = isObject(summary?.tasks) ? summary.tasks : undefined;
	const states = isObject(tasks?.states) ? (tasks.states as Record<string, unknown>) : {};
	const cost = isObject(summary?.cost) ? summary.cost : undefined;
	const number = (value: unknown) => (typeof value === 'number' ? value : null);
	return {
		tasks: number(tasks?.total),
		failed: tasks ? ['failed', 'dead', 'rejected'].reduce((sum, state) => sum + (number(states[state]) ?? 0), 0) : null,
		costUsd: number(cost?.costUsd),
	};
}
