import {ASK_TOOL} from './ask-record.ts';

/** The PreToolUse hook's answer (claude's hook protocol): `defer` ends a -p run with the call pending; `allow` runs it. */
export type HookDecision = {hookSpecificOutput: {hookEventName: 'PreToolUse'; permissionDecision: 'defer' | 'allow' | 'deny'; permissionDecisionReason?: string}};

/**
 * What the hook says about one tool call: an ask_human call is deferred (the task will wait for a
 * person), except the one call a resumed run was started to let through. Any other call gets no
 * decision (undefined), so claude's own permission rules apply as if there were no hook.
 */
export function decideToolCall(input: unknown, allowedToolUseId: string | undefined): HookDecision | undefined {
	if (typeof input !== 'object' || input === null) {
		return undefined;
	}

	const {tool_name: tool, tool_use_id: toolUseId} = input as Record<string, unknown>;
	if (tool !== ASK_TOOL) {
		return undefined;
	}

	if (allowedToolUseId !== undefined && toolUseId === allowedToolUseId) {
		return {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'a person answered this question'}};
	}

	return {hookSpecificOutput: {hookEventName: 'PreToolUse', permissionDecision: 'defer', permissionDecisionReason: 'the question goes to a person; the task waits for the answer'}};
}
