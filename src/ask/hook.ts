import path from 'node:path';
import type {ScriptReader} from '../policy/command-words.ts';
import {judge, type PolicyRules} from '../policy/rules.ts';
import {readRegularFile} from '../queue/read-file.ts';
import {ASK_TOOL} from './ask-record.ts';

/**
 * The PreToolUse hook's answer (claude's hook protocol): `defer` ends a -p run with the call pending;
 * `allow` runs it; `deny` refuses it, the model reading the reason. `continue: false` ends the run.
 */
export type HookDecision = {
	hookSpecificOutput: {hookEventName: 'PreToolUse'; permissionDecision: 'defer' | 'allow' | 'deny'; permissionDecisionReason?: string};
	continue?: false;
	stopReason?: string;
};

/** Marks a policy's refusal in the reason the model (and the transcript) sees, so the worker can count it. */
export const POLICY_MARK = "spool's policy";

/**
 * What the hook says about one tool call: an ask_human call is deferred (the task will wait for a
 * person), except the one call a resumed run was started to let through. Any other call gets no
 * decision (undefined), so claude's own permission rules apply as if there were no hook.
 */
export function decideToolCall(input: unknown, allowedToolUseId: string | undefined, policy?: PolicyRules, denied?: {toolUseId: string; why: string}): HookDecision | undefined {
	if (typeof input !== 'object' || input === null) {
		return undefined;
	}

	const {tool_name: tool, tool_use_id: toolUseId, tool_input: toolInput, cwd} = input as Record<string, unknown>;
	if (denied !== undefined && toolUseId === denied.toolUseId) {
		// Not the policy's refusal (no violation): a person said no to the command it asked them about.
		return {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: `A person denied this command when asked for approval: ${denied.why}. Do not run it another way; go on without it, or say what you need.`}};
	}

	if (tool === 'Bash' && policy) {
		return decideCommand(toolInput, toolUseId, allowedToolUseId, policy, typeof cwd === 'string' ? scriptReader(cwd) : undefined);
	}

	if (tool !== ASK_TOOL) {
		return undefined;
	}

	if (allowedToolUseId !== undefined && toolUseId === allowedToolUseId) {
		return {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'a person answered this question'}};
	}

	return {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'defer', permissionDecisionReason: 'the question goes to a person; the task waits for the answer'}};
}

/** A Bash call under the policy: denied (and with onViolation halt the run ends), deferred for a person's approval, or no decision. */
function decideCommand(toolInput: unknown, toolUseId: unknown, allowedToolUseId: string | undefined, policy: PolicyRules, readScript?: ScriptReader): HookDecision | undefined {
	const command = typeof toolInput === 'object' && toolInput !== null ? (toolInput as Record<string, unknown>).command : undefined;
	if (typeof command !== 'string') {
		return deny(`${POLICY_MARK} cannot read this Bash call (it has no command string), so it is not run`, policy);
	}

	const verdict = judge(command, policy, readScript);
	if (verdict.kind === 'deny') {
		return deny(verdict.why, policy);
	}

	if (verdict.kind === 'ask') {
		if (allowedToolUseId !== undefined && toolUseId === allowedToolUseId) {
			return {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'a person approved this command'}};
		}

		return {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'defer', permissionDecisionReason: `"${verdict.command}" needs a person's approval (${POLICY_MARK}, rule "${verdict.rule}")`}};
	}

	return undefined;
}

/** A script `bash x.sh` or `source x.sh` runs, read ahead from the run's cwd (1 MiB at most; a regular file, never a FIFO). */
function scriptReader(cwd: string): ScriptReader {
	return file => {
		const read = readRegularFile(path.resolve(cwd, file.replace(/^~(?=\/)/, process.env.HOME ?? '~')), {maxBytes: 1024 * 1024, followSymlinks: true});
		return read.kind === 'file' ? read.text : undefined;
	};
}

function deny(reason: string, policy: PolicyRules): HookDecision {
	const decision: HookDecision = {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason}};
	return policy.onViolation === 'halt' ? {...decision, continue: false, stopReason: `${reason}; the policy halts the task (policy.onViolation: halt)`} : decision;
}
