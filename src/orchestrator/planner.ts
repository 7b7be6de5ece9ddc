import fs from 'node:fs';
import os from 'node:os';
import {codePaths, protectedPaths} from '../sandbox/protected-paths.ts';
import {runSandbox} from '../sandbox/run-settings.ts';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import {describeAuthFailure} from '../queue/credentials.ts';
import type {TaskError} from '../queue/result.ts';
import {classifyExit} from '../worker/outcome.ts';
import {runClaude, type ClaudeExit} from '../worker/run-claude.ts';
import {generatePlanJsonSchema, type Workflow} from './definition.ts';
import {createWorkflowLayout, isWorkflowIdTaken, type WorkflowLayout} from './store.ts';
import {readRegularFile} from '../queue/read-file.ts';
import {validateWorkflow} from './validate.ts';
import {randomBytes} from 'node:crypto';
import {readHomeBudget} from '../budget/home-budget.ts';
import {runCap} from '../budget/state.ts';
import {describeSpent, leftOf} from '../budget/views.ts';
import {authKindOf, buildLedgerEntry, type RunOutcome} from '../ledger/entry.ts';
import {Ledger} from '../ledger/ledger.ts';
import {createLayout} from '../queue/layout.ts';

export type PlanRequest = {goal: string; id: string; maxCostUsd?: number; signal?: AbortSignal};

export type PlanOutcome =
	| {ok: true; workflow: Workflow; costUsd: number; attempts: number}
	| {ok: false; error: TaskError; problems: string[]; costUsd: number; attempts: number};

/**
 * Asks `claude -p` for a workflow: prompts/orchestrator.md as system prompt, the goal and the workers as
 * the message, and the workflow schema as --json-schema, so the CLI returns the plan as structured_output.
 * A plan that fails validation goes back into the same session once, with the exact problems.
 */
export async function planWorkflow(config: Config, request: PlanRequest): Promise<PlanOutcome> {
	const layout = createWorkflowLayout(config.home);
	// A regular file only (a symlink to one is the user's choice): a FIFO there would block the read forever.
	const read = readRegularFile(config.orchestrator.prompt, {followSymlinks: true});
	if (read.kind !== 'file') {
		const why = read.kind === 'missing' ? 'does not exist' : 'is not a regular file';
		const message = `the planner's prompt ${config.orchestrator.prompt} ${why}; create it (spool init copies one) or set orchestrator.prompt in spool.yaml`;
		return {ok: false, error: {code: 'prompt_missing', message}, problems: [message], costUsd: 0, attempts: 0};
	}

	// Planning is paid like any run: it starts only within the day's budget, capped at what is left.
	const budget = readHomeBudget(config);
	if (budget.state === 'halted') {
		const message = `${describeSpent(budget, "the home's")}; planning waits until ${budget.resetsAt} or until budget.dailyUsd is raised`;
		return {ok: false, error: {code: 'budget_spent', message}, problems: [message], costUsd: 0, attempts: 0};
	}

	fs.mkdirSync(path.dirname(layout.plannerTranscript(request.id)), {recursive: true});
	fs.mkdirSync(layout.plannerAuthHome, {recursive: true, mode: 0o700});
	const cap = runCap([{usd: request.maxCostUsd, from: '--max-cost'}, {usd: config.budget.perTaskUsd, from: 'budget.perTaskUsd'}], [{usd: leftOf(budget), from: 'budget.dailyUsd'}]).usd;
	const args = [...buildPlannerArgs(config, read.text.trim() !== ''), ...(cap === undefined ? [] : ['--max-budget-usd', String(cap)])];
	const run = (extra: string[], prompt: string): Promise<ClaudeExit> =>
		runClaude({
			bin: config.claudeBin,
			args: [...args, ...extra],
			prompt,
			cwd: config.home,
			env: {...definedEnv(), CLAUDE_CONFIG_DIR: layout.plannerAuthHome},
			timeoutMs: config.orchestrator.timeout,
			transcriptFile: layout.plannerTranscript(request.id),
			signal: request.signal,
		});

	let exit = await run([], buildPlanPrompt(request.goal, config.workers));
	let paid = 0;
	for (let attempt = 1; ; attempt++) {
		const outcome = classifyExit(exit, {jsonSchema: true});
		// A resumed session reports the cost of the whole session, so the last run's cost is the total; a
		// run stopped before its result line is reckoned from its own stream, so its cost adds to what was paid.
		const costUsd = outcome.costFromTokens ? paid + outcome.costUsd : outcome.costUsd;
		recordPlannerRun(config, request.id, attempt, exit, outcome, costUsd - paid);
		paid = costUsd;
		if (exit.canceled) {
			return {ok: false, error: {code: 'canceled', message: 'planning was stopped'}, problems: ['planning was stopped'], costUsd, attempts: attempt};
		}

		if (outcome.status !== 'succeeded' || !outcome.sessionId) {
			const error = plannerError(outcome.error, layout.plannerAuthHome);
			return {ok: false, error, problems: [`the planner run failed (${error.code}): ${error.message}`], costUsd, attempts: attempt};
		}

		const checked = checkPlan(config, request, outcome.structuredOutput, costUsd);
		if (checked.ok) {
			return {ok: true, workflow: checked.workflow, costUsd, attempts: attempt};
		}

		if (attempt === 2) {
			return {ok: false, error: {code: 'invalid_plan', message: checked.problems.join('; ')}, problems: checked.problems, costUsd, attempts: attempt};
		}

		exit = await run(['--resume', outcome.sessionId], buildFeedbackPrompt(checked.problems));
	}
}

/** The planner's runs go into the ledger as worker "orchestrator", the workflow's id as their task. */
function recordPlannerRun(config: Config, id: string, attempt: number, exit: ClaudeExit, outcome: ReturnType<typeof classifyExit>, costUsd: number): void {
	if (exit.spawnError) {
		return;
	}

	const result: RunOutcome = exit.canceled ? 'canceled' : outcome.status === 'succeeded' ? 'succeeded' : 'failed';
	const entry = buildLedgerEntry({
		time: new Date().toISOString(),
		worker: 'orchestrator',
		task: id,
		attempt,
		runId: randomBytes(4).toString('hex'),
		outcome: result,
		error: outcome.error?.code ?? null,
		costUsd: Math.max(0, costUsd),
		usage: outcome.usage,
		model: exit.model,
		durationMs: exit.durationMs,
		workflow: id,
		auth: authKindOf(exit.apiKeySource),
		sessionId: exit.sessionId,
	});
	try {
		new Ledger(createLayout(config.home), config.budget.timezone).append(entry);
	} catch {
		// The plan's cost is still in the workflow's plan_cost_usd; only the ledger misses it.
	}
}

/** Bad credentials name the planner's own auth home, which a home made by hand does not have until it is needed. */
function plannerError(error: TaskError | null, authHome: string): TaskError {
	if (!error) {
		return {code: 'planner_failed', message: 'the planner run wrote no session id'};
	}

	return error.code === 'auth_failed' ? {code: error.code, message: describeAuthFailure('the planner', 'orchestrator', authHome, error.message)} : error;
}

function checkPlan(config: Config, request: PlanRequest, plan: unknown, costUsd: number) {
	if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
		return {ok: false as const, problems: ['no plan was returned: call the StructuredOutput tool with the workflow']};
	}

	// The planner's id is only a suggestion: spool has already chosen the id the plan is saved under.
	const {id: _, ...fields} = plan as Record<string, unknown>;
	const file = {
		...fields,
		goal: request.goal.trim(),
		plan_cost_usd: costUsd,
		...(request.maxCostUsd === undefined ? {} : {max_cost_usd: request.maxCostUsd}),
	};
	return validateWorkflow(file, {id: request.id, workers: Object.keys(config.workers), checkId: false});
}

function buildPlannerArgs(config: Config, hasSystemPrompt: boolean): string[] {
	const {model, tools} = config.orchestrator;
	const args = ['-p', '--output-format', 'stream-json', '--verbose', '--tools', tools.join(','), '--json-schema', JSON.stringify(generatePlanJsonSchema())];
	if (tools.length > 0) {
		// Its file tools keep to the limits of every run's (docs/sandbox.md): nothing of spool's state, configuration or credentials.
		const denied = protectedPaths(createLayout(config.home), config.file);
		const {settings} = runSandbox({sandbox: {enabled: false, allowWrite: [], allowedDomains: []}, denied, code: codePaths(config.claudeBin), cwd: config.home, addDirs: [], keep: [], tmp: os.tmpdir(), secretNames: [], commands: false});
		args.push('--allowedTools', tools.join(','), '--settings', JSON.stringify(settings));
	}

	if (hasSystemPrompt) {
		// By its path, as a worker's: a prompt of any size, never an argument past the system's limit.
		args.push('--append-system-prompt-file', config.orchestrator.prompt);
	}

	return model ? [...args, '--model', model] : args;
}

function definedEnv(): Record<string, string> {
	return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The planner's first message: the goal and the workers it may use, each with its description from spool.yaml. */
export function buildPlanPrompt(goal: string, workers: Config['workers']): string {
	const list = Object.values(workers).map(worker => `- ${worker.name}: ${worker.description?.trim() || '(no description)'}`);
	return [
		'Plan a workflow for the goal below and return it with the StructuredOutput tool.',
		'## Goal',
		goal.trim(),
		'## Workers',
		'A task\'s "worker" must be one of these names:',
		list.join('\n'),
	].join('\n\n');
}

/** Sent back into the same session when a plan fails validation: the exact problems, one per line. */
export function buildFeedbackPrompt(problems: readonly string[]): string {
	return [
		'Your plan was not accepted. Fix exactly these problems and call the StructuredOutput tool again with the whole corrected plan:',
		problems.map(problem => `- ${problem}`).join('\n'),
	].join('\n\n');
}

/** A workflow id made from free text: "Write a haiku!" → "write-a-haiku". */
export function slugify(text: string, maxLength = 40): string {
	const words = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim().split(' ').filter(Boolean);
	let slug = '';
	for (const word of words) {
		const next = slug ? `${slug}-${word}` : word;
		if (next.length > maxLength) {
			break;
		}

		slug = next;
	}

	return slug || 'plan';
}

/** `base`, or `base-2`, `base-3`... whichever is still free. */
export function chooseFreeId(layout: WorkflowLayout, base: string): string {
	for (let n = 1; ; n++) {
		const id = n === 1 ? base : `${base}-${n}`;
		if (!isWorkflowIdTaken(layout, id)) {
			return id;
		}
	}
}
