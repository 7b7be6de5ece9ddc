import fs from 'node:fs';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import {appendEvent, type EventInput} from '../events/events.ts';
import {writeFileAtomic} from '../queue/atomic-write.ts';
import {createLayout} from '../queue/layout.ts';
import {gatherReport, type GatherOptions} from './gather.ts';
import {reportSchema, type Report} from './record.ts';
import {renderReport} from './render.ts';

export type WrittenReport = {report: Report; markdown: string; files: {md: string; json: string}};

/**
 * Gathers the day's report, checks the record against its schema (what is written is what a reader
 * parses), renders the markdown from the record, and writes reports/DATE.json then DATE.md, each
 * atomically: a report that is there is whole, and one written again replaces the last.
 */
export async function writeReport(config: Config, options: GatherOptions): Promise<WrittenReport> {
	const layout = createLayout(config.home);
	const report = reportSchema.parse(await gatherReport(config, options));
	const markdown = renderReport(report);
	const files = {md: layout.reportFile(report.date, 'md'), json: layout.reportFile(report.date, 'json')};
	fs.mkdirSync(layout.reportsRoot, {recursive: true});
	await writeFileAtomic(files.json, `${JSON.stringify(report, null, 2)}\n`);
	await writeFileAtomic(files.md, markdown);
	return {report, markdown, files};
}

/** The report_ready event of a written report: its message names the file, its fields the date and both files. */
export function reportReadyEvent(config: Config, written: WrittenReport, now = Date.now()): EventInput {
	const {report, files} = written;
	const md = path.relative(config.home, files.md);
	const failed = report.failures.length;
	const questions = report.questions.length;
	const news = [...(failed > 0 ? [`${failed} failed`] : []), ...(questions > 0 ? [`${questions} waiting for an answer`] : [])];
	return {
		type: 'report_ready',
		time: new Date(now).toISOString(),
		message: `the report of ${report.date} is in ${md}: ${report.summary.tasks.total} task${report.summary.tasks.total === 1 ? '' : 's'}${news.length > 0 ? ` (${news.join(', ')})` : ''}, $${report.summary.cost.costUsd.toFixed(4)} spent`,
		date: report.date,
		file: md,
		json: path.relative(config.home, files.json),
		trigger: report.trigger,
	};
}

/** Writes the day's report and tells it (`spool down`): each call writes and tells again, with what is new. */
export async function writeAndAnnounce(config: Config, options: GatherOptions): Promise<WrittenReport> {
	const written = await writeReport(config, options);
	appendEvent(createLayout(config.home), config.budget.timezone, reportReadyEvent(config, written, options.now));
	return written;
}
