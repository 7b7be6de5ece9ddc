import {ALLOW_ENV, DENY_ENV, DENY_WHY_ENV, POLICY_ENV} from '../../ask/run-options.ts';
import type {PolicyRules} from '../../policy/rules.ts';
import {decideToolCall} from '../../ask/hook.ts';
import {blockOf, explainBlock, explainStartFailure, sandboxStartFailure} from '../../sandbox/blocks.ts';
import {SANDBOX_ENV, type SandboxNote} from '../../sandbox/run-settings.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

/** The most a hook's input may hold: one tool call as JSON (a large Write's content included). */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export const hookCommand: Command = {
	usage: 'hook pre-tool-use|post-tool-use',
	summary: "claude's PreToolUse and PostToolUse hooks in spool's runs (spool passes them with --settings; not for people)",
	help: `
Reads one tool call as JSON on stdin, as claude passes it to a hook, and prints the decision: an
ask_human call is deferred, so the run ends and the task waits for a person's answer; the one call a
resumed run lets through (${ALLOW_ENV}) is allowed. Other calls get no decision.
post-tool-use reads a Bash call's outcome and, when spool's sandbox blocked it, adds why to what the
model reads (docs/sandbox.md).`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length !== 1 || (positionals[0] !== 'pre-tool-use' && positionals[0] !== 'post-tool-use')) {
			throw new CliUsageError('the hooks are pre-tool-use and post-tool-use');
		}

		let text = '';
		for await (const chunk of process.stdin) {
			text += String(chunk);
			if (text.length > MAX_INPUT_BYTES) {
				break;
			}
		}

		let input: unknown;
		try {
			input = JSON.parse(text);
		} catch {
			// Fails closed: exit 2 blocks the call, and claude shows the model this line.
			console.error('spool hook: the tool call could not be read as JSON, so it is blocked');
			return 2;
		}

		if (positionals[0] === 'post-tool-use') {
			return explainOutcome(input);
		}

		let policy: PolicyRules | undefined;
		try {
			policy = process.env[POLICY_ENV] === undefined ? undefined : (JSON.parse(process.env[POLICY_ENV]) as PolicyRules);
		} catch {
			console.error(`spool hook: ${POLICY_ENV} is not JSON, so the call is blocked`);
			return 2;
		}

		const deniedId = process.env[DENY_ENV];
		const decision = decideToolCall(input, process.env[ALLOW_ENV], policy, deniedId === undefined ? undefined : {toolUseId: deniedId, why: process.env[DENY_WHY_ENV] ?? 'no reason given'});
		if (decision) {
			console.log(JSON.stringify(decision));
		}

		return 0;
	},
};

/** PostToolUse and PostToolUseFailure of a Bash call: when the sandbox blocked it (or could not start), why, as context the model reads after the result. */
function explainOutcome(input: unknown): number {
	let note: SandboxNote;
	try {
		note = JSON.parse(process.env[SANDBOX_ENV] ?? '') as SandboxNote;
	} catch {
		return 0; // Nothing to explain with; the call already ran.
	}

	const call = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
	const response = call.tool_response as Record<string, unknown> | string | undefined;
	const text = typeof response === 'string' ? response : [response?.stdout, response?.stderr, call.error].filter(part => typeof part === 'string').join('\n');
	const event = call.hook_event_name === 'PostToolUseFailure' ? 'PostToolUseFailure' : 'PostToolUse';
	const block = blockOf(String(call.tool_name), call.tool_input, text, note, event === 'PostToolUseFailure');
	const unstarted = block || event !== 'PostToolUseFailure' ? undefined : sandboxStartFailure(text);
	const context = block ? explainBlock(block, note) : unstarted ? explainStartFailure(unstarted) : undefined;
	if (context) {
		console.log(JSON.stringify({hookSpecificOutput: {hookEventName: event, additionalContext: context}}));
	}

	return 0;
}
