import {fileURLToPath} from 'node:url';
import {quoteForShell, SPOOL_BIN} from '../cli/spool-command.ts';
import type {WorkerConfig} from '../config/schema.ts';
import type {PolicyRules} from '../policy/rules.ts';
import {ASK_TOOL, NO_ANSWER_TEXT, type AskRecord} from './ask-record.ts';

/** The server every run gets (plain JS: claude waits for it at each run's start, docs/benchmarks.md part 5). */
export const RUN_SERVER = fileURLToPath(new URL('../mcp/run-server.js', import.meta.url));

/** The environment of a resumed run: the one deferred call its hook lets through, and the answer ask_human gives it. */
export const ALLOW_ENV = 'SPOOL_ASK_ALLOW';
export const ANSWER_ENV = 'SPOOL_ASK_ANSWER';
/** A resumed run's call a person denied (an approval), and their reason, which the hook gives the model. */
export const DENY_ENV = 'SPOOL_ASK_DENY';
export const DENY_WHY_ENV = 'SPOOL_ASK_DENY_WHY';
/** The worker's policy (policy/rules.ts PolicyRules) as JSON, for the hook to judge Bash calls by. */
export const POLICY_ENV = 'SPOOL_POLICY';

/**
 * What every run gets so its agent can ask a person: spool's MCP server in run mode (src/mcp/run-server.js,
 * also `spool mcp --run`, whose one tool is ask_human) through --mcp-config, which adds to the MCP servers the worker's own
 * settings name (no --strict-mcp-config), and through --settings a PreToolUse hook on that tool.
 * The hook defers the call (`spool hook pre-tool-use`): claude then ends the run at once, exit 0, with
 * the call in its result line's `deferred_tool_use`, and the task waits without a process. Resumed
 * with --resume, claude asks the hook again, which now lets that one call through, and the tool answers
 * with the person's answer: the session goes on from the call as if the answer had come at once.
 * A worker whose disallowedTools names the tool (or the spool server) gets none of it.
 */
export function askArgs(worker: Pick<WorkerConfig, 'disallowedTools'>, policy?: PolicyRules): string[] {
	// A rule such as "mcp__spool", "mcp__spool__*" or the tool's own name: the worker is not to ask.
	const asks = !worker.disallowedTools?.some(tool => tool === ASK_TOOL || tool === 'mcp__spool' || tool.startsWith('mcp__spool__*'));
	const judgesBash = policy !== undefined && (policy.deny.length > 0 || policy.ask.length > 0);
	const node = process.execPath;
	const hook = {type: 'command', command: `${quoteForShell(node)} ${quoteForShell(SPOOL_BIN)} hook pre-tool-use`};
	// The same hook judges Bash calls by the policy (docs/policy.md): the one place a command is read before it runs.
	const matchers = [...(asks ? [{matcher: ASK_TOOL, hooks: [hook]}] : []), ...(judgesBash ? [{matcher: 'Bash', hooks: [hook]}] : [])];
	const servers = {mcpServers: {spool: {type: 'stdio', command: node, args: [RUN_SERVER]}}};
	return [...(asks ? ['--mcp-config', JSON.stringify(servers)] : []), ...(matchers.length > 0 ? ['--settings', JSON.stringify({hooks: {PreToolUse: matchers}})] : [])];
}

/**
 * What every run that can ask is told beside its worker's own system prompt (with --append-system-prompt,
 * which claude sends after the prompt file): when to ask, and what asking does. Starts with "#", never "-".
 */
export const ASK_GUIDANCE = `# Asking a person
You run unattended, but a person reads your questions. When you cannot go on well without their decision or
knowledge (a choice with real trade-offs, access you lack, requirements that are unclear or contradict each
other), call the ask_human tool with one clear question, the options you see, and what you found. Your run
then ends, and resumes in this same session with their answer as the tool's result, in minutes or hours.
For anything you can decide or find out yourself, do not ask: decide, and say what you chose.`;

/** Whether a worker's runs get ask_human (askArgs gives them its flags). */
export function mayAsk(worker: Pick<WorkerConfig, 'disallowedTools'>): boolean {
	return askArgs(worker).includes('--mcp-config');
}

/** A resumed run's flags: the same session, no new prompt (the answer reaches it as the tool's result). */
export function resumeArgs(ask: Pick<AskRecord, 'sessionId'>): string[] {
	return ['--resume', ask.sessionId];
}

/** The environment that lets the asked call through with its answer, or, for an approval, lets it run or refuses it with the reason. */
export function resumeEnv(ask: Pick<AskRecord, 'toolUseId' | 'answer' | 'answeredBy' | 'kind' | 'decision' | 'why'>): Record<string, string> {
	if (ask.kind === 'approval') {
		return ask.decision === 'allow' ? {[ALLOW_ENV]: ask.toolUseId} : {[DENY_ENV]: ask.toolUseId, [DENY_WHY_ENV]: ask.why ?? (ask.answeredBy === 'timeout' ? 'nobody approved it within ask.timeout' : 'no reason given')};
	}

	return {[ALLOW_ENV]: ask.toolUseId, [ANSWER_ENV]: ask.answeredBy === 'timeout' ? NO_ANSWER_TEXT : (ask.answer ?? NO_ANSWER_TEXT)};
}
