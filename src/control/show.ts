import path from 'node:path';
import type {Config} from '../config/load.ts';
import {createLayout, type Layout} from '../queue/layout.ts';
import {entryKindAt} from '../queue/read-file.ts';
import {findTask, type TaskEntry} from './find.ts';
import {readTranscriptTail, renderTranscript, runOf, type RunNow} from './transcript.ts';

export type ShownTask = {
	entry: TaskEntry;
	/** The files that hold the task, relative to the home, by what each is. */
	files: Record<string, string>;
	/** The transcript's last lines, rendered. */
	transcript: string[];
	/** For a running task whose run started: when, and the tool call it is in. */
	run?: RunNow;
};

/** Everything about one task (`WORKER/ID` or `ID`): `spool show` prints it, the MCP `show` tool sends it. */
export function showTask(config: Config, ref: string, lines = 20): ShownTask {
	const layout = createLayout(config.home);
	const entry = findTask(config, ref);
	const events = readTranscriptTail(layout.transcriptFile(entry.worker, entry.id));
	const run = entry.where === 'running' && entry.attempt !== undefined ? runOf(events) : undefined;
	return {entry, files: filesOf(layout, entry), transcript: renderTranscript(events, lines), ...(run ? {run} : {})};
}

/** The same as one JSON object: what `spool show --json` prints. */
export function shownAsJson({entry, files, transcript}: ShownTask): Record<string, unknown> {
	const {result, task, file: _file, ...rest} = entry;
	return {...rest, files, task: task ?? null, result: result ?? null, transcript};
}

function filesOf(layout: Layout, entry: TaskEntry): Record<string, string> {
	const relative = (file: string) => path.relative(layout.home, file);
	const files: Record<string, string> = {[entry.where === 'finished' ? 'result' : entry.where === 'running' ? 'claim' : 'task']: relative(entry.file)};
	if (entry.where !== 'finished' && entryKindAt(layout.resultFile(entry.worker, entry.id))) {
		files.earlierResult = relative(layout.resultFile(entry.worker, entry.id));
	}

	if (entryKindAt(layout.transcriptFile(entry.worker, entry.id))) {
		files.transcript = relative(layout.transcriptFile(entry.worker, entry.id));
	}

	for (const [name, file] of [['question', layout.questionFile(entry.worker, entry.id)], ['answer', layout.answerFile(entry.worker, entry.id)]] as const) {
		if (entry.where === 'waiting' && entryKindAt(file)) {
			files[name] = relative(file);
		}
	}

	if (entry.result?.rejectedFile) {
		files.rejectedOriginal = entry.result.rejectedFile;
	}

	if (entry.result?.cwd) {
		files.cwd = entry.result.cwd;
	}

	if (entry.result?.repo?.patch) {
		files.patch = entry.result.repo.patch;
	}

	return files;
}
