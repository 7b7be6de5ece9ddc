import {ALLOW_ENV, DENY_ENV, DENY_WHY_ENV, POLICY_ENV} from '../../ask/run-options.ts';
import type {PolicyRules} from '../../policy/rules.ts';
import {decideToolCall} from '../../ask/hook.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

/** The most a hook's input may hold: one tool call as JSON (a large Write's content included). */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export const hookCommand: Command = {
	usage: 'hook pre-tool-use',
	summary: "claude's PreToolUse hook in spool's runs (spool passes it with --settings; not for people)",
	help: `
Reads one tool call as JSON on stdin, as claude passes it to a hook, and prints the decision: an
ask_human call is deferred, so the run ends and the task waits for a person's answer; the one call a
resumed run lets through (${ALLOW_ENV}) is allowed. Other calls get no decision.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length !== 1 || positionals[0] !== 'pre-tool-use') {
			throw new CliUsageError('the one hook is pre-tool-use');
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
