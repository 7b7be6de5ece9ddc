import {POLICY_MARK} from '../ask/hook.ts';
import {ToolCalls} from '../worker/tool-calls.ts';

/** One command the policy refused during a run, as the result keeps it. */
export type PolicyViolation = {tool: string; command: string; rule: string; time: string};

/**
 * The policy's refusals in a run, read from its stream: each Bash call (its command, by its id) whose
 * result is the hook's refusal, which names the rule. The hook writes nothing of its own: the
 * transcript holds what the model was told.
 */
export class ViolationLog {
	readonly violations: PolicyViolation[] = [];
	readonly #calls = new ToolCalls(({tool, input, text}) => {
		const command = typeof (input as {command?: unknown} | undefined)?.command === 'string' ? (input as {command: string}).command : JSON.stringify(input ?? null);
		if (text.includes(POLICY_MARK) && !text.includes("needs a person's approval")) {
			const rule = /rule "([^"]+)"/.exec(text)?.[1] ?? (text.includes('cannot read') ? 'unreadable' : 'policy');
			this.violations.push({tool, command: command.slice(0, 2000), rule, time: new Date().toISOString()});
		}
	});

	observe(event: Record<string, unknown>): void {
		this.#calls.observe(event);
	}
}
