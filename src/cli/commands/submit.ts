import {loadConfig} from '../../config/load.ts';
import {checkDuration, parseSpan} from '../../config/duration.ts';
import {describeBudgetWait} from '../../budget/home-budget.ts';
import {submitTask} from '../../control/submit.ts';
import {waitForResult} from '../../control/wait-for-result.ts';
import {createLayout, type Layout} from '../../queue/layout.ts';
import {listLoops} from '../../queue/loops.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {readFileOption} from '../read-file-option.ts';
import type {Command} from './index.ts';
import {readMode, submitRepos} from './submit-repos.ts';

export const submitCommand: Command = {
	usage: 'submit WORKER (PROMPT | --file F) | submit WORKER --skill NAME --repos A,B [EXTRA]',
	summary: 'queue a task: writes tasks/WORKER/ID.json atomically',
	help: `
Options:
  --file F          read the prompt from file F ("-" for standard input)
  --id ID           the task id (default: a time-ordered id)
  --model M         the model for this task
  --cwd DIR         where claude runs (must lie under cwdRoots)
  --repo NAME       run in a fresh git worktree of spool.yaml's repository NAME (docs/repos.md)
  --worktree-of W/ID  run in the worktree an earlier repo task W/ID left
  --timeout T       wall-clock limit, e.g. 10m
  --max-turns N     passed to claude as --max-turns
  --priority N      higher runs first (default 0)
  --max-cost USD    the most its run may cost, e.g. 0.50 (the worker's perTaskUsd and what is left of
                    the day's budget may lower it)
  --delay D         not claimed before D from now, e.g. 10m
  --not-before TIME not claimed before TIME (ISO, e.g. 2026-12-01T18:00:00Z)
  --skill NAME      give the run this skill of skills.dir (docs/skills.md)
  --mode M          agent (default) or simple: one call with no tools, the repository's context in the prompt
  --output PATH     with --mode simple: write the answer to PATH, relative to the task's cwd
  --repos A,B,C     with --skill: one task per repository of spool.yaml's repos, each in a worktree of its
                    own, as one workflow (workflows/ID.yaml; spool up's orchestrator queues it); the
                    prompt, if given, is extra instructions for every one. Prints the workflow id
  --final W         with --repos: a last task for worker W that gets every repository's result
  --wait            wait for the result, print its text; exit 0 if it succeeded, 1 if not (says so on
                    stderr when no loop of the worker runs, and waits on: one may start later)
Prints the task id.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {
			file: {type: 'string'},
			id: {type: 'string'},
			model: {type: 'string'},
			cwd: {type: 'string'},
			repo: {type: 'string'},
			'worktree-of': {type: 'string'},
			timeout: {type: 'string'},
			'max-turns': {type: 'string'},
			priority: {type: 'string'},
			'max-cost': {type: 'string'},
			delay: {type: 'string'},
			'not-before': {type: 'string'},
			wait: {type: 'boolean'},
			skill: {type: 'string'},
			mode: {type: 'string'},
			output: {type: 'string'},
			repos: {type: 'string'},
			final: {type: 'string'},
		});
		const [worker, prompt, ...extra] = positionals;
		if (!worker) {
			throw new CliUsageError('name the worker');
		}

		const mode = readMode(values.mode);
		if (values.repos !== undefined || values.final !== undefined) {
			return submitRepos(worker, {...values, mode}, prompt, extra);
		}

		if (extra.length > 0 || (prompt === undefined) === (values.file === undefined)) {
			throw new CliUsageError('give the prompt either as one argument or with --file F');
		}

		if (values.delay !== undefined && values['not-before'] !== undefined) {
			throw new CliUsageError('give --delay or --not-before, not both');
		}

		const config = loadConfig();
		const task = {
			prompt: prompt ?? (await readFileOption(values.file!, 'prompt_unreadable')),
			...(values.model ? {model: values.model} : {}),
			...(values.cwd ? {cwd: values.cwd} : {}),
			...(values.repo ? {repo: values.repo} : {}),
			...(values['worktree-of'] ? {worktreeOf: values['worktree-of']} : {}),
			...(values.timeout === undefined ? {} : {timeout: readTimeout(values.timeout)}),
			...(values['max-turns'] === undefined ? {} : {maxTurns: readCount(values['max-turns'], '--max-turns')}),
			...(values.priority === undefined ? {} : {priority: readInteger(values.priority, '--priority')}),
			...(values['max-cost'] === undefined ? {} : {maxCostUsd: readUsd(values['max-cost'])}),
			...(values.delay === undefined ? {} : {notBefore: new Date(Date.now() + readDelay(values.delay)).toISOString()}),
			...(values['not-before'] === undefined ? {} : {notBefore: readTime(values['not-before'])}),
			...(values.skill === undefined ? {} : {skill: values.skill}),
			...(mode === undefined ? {} : {mode}),
			...(values.output === undefined ? {} : {output: values.output}),
		};
		const {id} = await submitTask(config, worker, task, values.id);
		console.log(id);
		// Only a note, after the task is queued: a ledger that cannot be read must not make the queued task look failed.
		const budgetWait = (() => {
			try {
				return describeBudgetWait(config, worker);
			} catch {
				return undefined;
			}
		})();
		if (budgetWait) {
			console.error(`spool submit: ${budgetWait}`);
		}

		if (!values.wait) {
			return 0;
		}

		const stopWarning = warnWithoutLoop(createLayout(config.home), worker, config.queue.lease);
		const result = await waitForResult(config, worker, id);
		stopWarning();
		console.log(result.status === 'succeeded' ? (result.result ?? '') : `${result.status}: ${result.error?.message ?? ''}`);
		return result.status === 'succeeded' ? 0 : 1;
	},
};

function readUsd(text: string): number {
	const usd = Number(text.trim().replace(/^\$/, ''));
	if (text.trim() === '' || !Number.isFinite(usd) || usd < 0.0001) {
		throw new CliUsageError(`--max-cost must be a sum of US dollars of at least 0.0001, such as 0.50; got "${text}"`);
	}

	return usd;
}

function readInteger(text: string, option: string): number {
	if (!/^-?\d+$/.test(text.trim())) {
		throw new CliUsageError(`${option} must be a whole number such as 5 or -1; got "${text}"`);
	}

	return Number(text);
}

/** A task's timeout as the task file holds it: a duration as written, or a bare number of seconds as a number. */
function readTimeout(text: string): string | number {
	const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : text.trim();
	const checked = checkDuration(value, '1ms');
	if (!checked.ok) {
		throw new CliUsageError(`--timeout ${checked.message}; got "${text}"`);
	}

	return value;
}

/** A whole number above 0. */
function readCount(text: string, option: string): number {
	if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
		throw new CliUsageError(`${option} must be a whole number above 0 such as 40; got "${text}"`);
	}

	return Number(text);
}

function readDelay(text: string): number {
	const ms = parseSpan(/^\d+(\.\d+)?$/.test(text.trim()) ? `${text.trim()}s` : text);
	if (ms === undefined) {
		throw new CliUsageError(`--delay must be a duration such as "30s", "10m" or "2h"; got "${text}"`);
	}

	return ms;
}

/** An ISO time as given, or any time Date reads (a local "2026-12-01 18:00"), written as ISO. */
function readTime(text: string): string {
	const time = Date.parse(text);
	if (Number.isNaN(time)) {
		throw new CliUsageError(`--not-before must be a time such as "2026-12-01T18:00:00Z" (or "2026-12-01 18:00", local time); got "${text}"`);
	}

	if (time < Date.now()) {
		console.error(`spool submit: --not-before ${new Date(time).toISOString()} has passed already; the task may run at once`);
	}

	return new Date(time).toISOString();
}

/** A loop that is starting (spool up launched a moment ago) gets this long to show up before the warning. */
const LOOP_GRACE_MS = 2000;

/**
 * Waiting for a result is fine while no loop runs (one may start later), but not in silence: says so
 * on stderr, once, when no loop of the worker runs LOOP_GRACE_MS after the task was queued.
 */
function warnWithoutLoop(layout: Layout, worker: string, leaseMs: number): () => void {
	const timer = setTimeout(() => {
		if (!listLoops(layout, worker, leaseMs).some(loop => loop.alive)) {
			console.error(`no loop of worker "${worker}" is running; start one with "spool up" (the task waits in tasks/${worker}/)`);
		}
	}, LOOP_GRACE_MS);
	timer.unref();
	return () => clearTimeout(timer);
}
