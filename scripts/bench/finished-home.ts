import fs from 'node:fs';
import path from 'node:path';
import {loadConfig} from '../../src/config/load.ts';
import {dayOf, endOfDay} from '../../src/ledger/day.ts';
import {buildLedgerEntry} from '../../src/ledger/entry.ts';
import {buildResult} from '../../src/queue/result.ts';
import {linkCopies, type BenchHome} from './bench-home.ts';

/** One result in ten failed, as on a day with some API trouble; the rest succeeded. */
const FAILED_EVERY = 10;

const MODEL = 'claude-sonnet-4-5-20250929';

/** Each run's cost, the same in its result and its ledger line: both of a home's sums agree. */
const RUN_COST_USD = 0.042;

export function resultId(n: number): string {
	return `r${String(n).padStart(6, '0')}`;
}

/**
 * `count` finished tasks in results/WORKER/, each a result and its transcript as a run leaves them: the
 * names are distinct, the content is one of two real results (succeeded, failed) and one transcript,
 * hard-linked (bench-home.ts), so 100,000 take seconds to create and no disk space.
 */
export function placeResults(bench: BenchHome, worker: string, count: number): void {
	const dir = path.join(bench.home, 'results', worker);
	const ids = Array.from({length: count}, (_, n) => resultId(n));
	const failed = ids.filter((_, n) => n % FAILED_EVERY === FAILED_EVERY - 1);
	const succeeded = ids.filter((_, n) => n % FAILED_EVERY !== FAILED_EVERY - 1);
	linkCopies(bench, dir, succeeded.map(id => `${id}.json`), resultText(bench, worker, succeeded[0] ?? 'none', true));
	linkCopies(bench, dir, failed.map(id => `${id}.json`), resultText(bench, worker, failed[0] ?? 'none', false));
	linkCopies(bench, dir, ids.map(id => `${id}.jsonl`), transcriptText());
}

/**
 * `count` lines in today's ledger (the home's budget zone), one per finished task, their times spread
 * from midnight to now: what the worker appends, written in a few big writes instead of one each.
 * Returns the file's size in bytes.
 */
export function writeTodaysLedger(bench: BenchHome, worker: string, count: number): number {
	const {timezone} = loadConfig(bench.home).budget;
	const now = Date.now();
	const today = dayOf(now, timezone);
	let midnight = endOfDay(now - 86_400_000, timezone);
	while (dayOf(midnight, timezone) !== today) {
		midnight = endOfDay(midnight, timezone);
	}

	const file = path.join(bench.home, 'ledger', `${today}.jsonl`);
	fs.mkdirSync(path.dirname(file), {recursive: true});
	const fd = fs.openSync(file, 'a');
	try {
		for (let start = 0; start < count; start += 10_000) {
			const lines: string[] = [];
			for (let n = start; n < Math.min(count, start + 10_000); n++) {
				const failed = n % FAILED_EVERY === FAILED_EVERY - 1;
				const entry = buildLedgerEntry({
					time: new Date(midnight + ((now - midnight) * (n + 0.5)) / count).toISOString(),
					worker,
					task: resultId(n),
					attempt: 1,
					runId: `run${n.toString(36)}`,
					outcome: failed ? 'failed' : 'succeeded',
					error: failed ? 'api_error' : null,
					costUsd: RUN_COST_USD,
					usage: {input_tokens: 1200 + (n % 500), output_tokens: 300 + (n % 200), cache_read_input_tokens: 18_000, cache_creation_input_tokens: 900},
					model: MODEL,
					durationMs: 8000 + (n % 5000),
					workflow: null,
					auth: 'api-key',
					sessionId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
				});
				lines.push(`${JSON.stringify(entry)}\n`);
			}

			fs.writeSync(fd, lines.join(''));
		}

		return fs.fstatSync(fd).size;
	} finally {
		fs.closeSync(fd);
	}
}

/** A result as the worker writes it, about 1.5 KB: the answer, the usage, the task as dropped. */
function resultText(bench: BenchHome, worker: string, id: string, succeeded: boolean): string {
	const startedAt = new Date(Date.now() - 9000);
	const prompt = `Summarise the changes in module ${id} and list what a reviewer should check. `.repeat(4);
	const result = buildResult(
		{id, worker, owner: 'bench-owner', runId: 'run0', attempts: 1, startedAt},
		{
			status: succeeded ? 'succeeded' : 'failed',
			result: succeeded ? 'The module now reads its settings once at start and caches them; the reviewer should check the cache invalidation. '.repeat(5) : null,
			sessionId: '00000000-0000-4000-8000-000000000000',
			costUsd: RUN_COST_USD,
			usage: {input_tokens: 1520, output_tokens: 388, cache_read_input_tokens: 20_412, cache_creation_input_tokens: 1190, service_tier: 'standard'},
			numTurns: succeeded ? 3 : 1,
			cwd: path.join(bench.home, 'workspaces', worker, id),
			error: succeeded ? null : {code: 'api_error', message: 'API error 400: the request was refused'},
			exitCode: succeeded ? 0 : 1,
			subtype: succeeded ? 'success' : null,
			apiErrorStatus: succeeded ? null : 400,
			model: MODEL,
			task: {prompt},
		},
	);
	return `${JSON.stringify(result, null, 2)}\n`;
}

/** claude's stream-json of a short run: init, two assistant turns with a tool call, the result. */
function transcriptText(): string {
	const session = '00000000-0000-4000-8000-000000000000';
	const events = [
		{type: 'system', subtype: 'init', session_id: session, model: MODEL, cwd: '/tmp/work', tools: ['Bash', 'Read', 'Edit', 'Grep', 'Glob', 'Write']},
		{type: 'assistant', session_id: session, message: {role: 'assistant', content: [{type: 'tool_use', id: 'toolu_1', name: 'Read', input: {file_path: 'src/settings.ts'}}]}},
		{type: 'user', session_id: session, message: {role: 'user', content: [{type: 'tool_result', tool_use_id: 'toolu_1', content: 'export function readSettings() { ... }\n'.repeat(30)}]}},
		{type: 'assistant', session_id: session, message: {role: 'assistant', content: [{type: 'text', text: 'The module now reads its settings once at start. '.repeat(6)}]}},
		{type: 'result', subtype: 'success', is_error: false, result: 'The module now reads its settings once at start.', session_id: session, total_cost_usd: 0.042, num_turns: 3, usage: {input_tokens: 1520, output_tokens: 388}},
	];
	return events.map(event => `${JSON.stringify(event)}\n`).join('');
}
