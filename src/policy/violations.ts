import {POLICY_MARK} from '../ask/hook.ts';

/** One command the policy refused during a run, as the result keeps it. */
export type PolicyViolation = {tool: string; command: string; rule: string; time: string};

/**
 * The policy's refusals in a run, read from its stream: each Bash call (its command, by its id) whose
 * result is the hook's refusal, which names the rule. The hook writes nothing of its own: the
 * transcript holds what the model was told.
 */
export class ViolationLog {
	readonly violations: PolicyViolation[] = [];
	readonly #calls = new Map<string, {tool: string; command: string}>();

	observe(event: Record<string, unknown>): void {
		const content = (event.message as {content?: unknown} | undefined)?.content;
		if (!Array.isArray(content)) {
			return;
		}

		for (const block of content as Array<Record<string, unknown>>) {
			if (event.type === 'assistant' && block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
				const input = block.input as {command?: unknown} | undefined;
				this.#calls.set(block.id, {tool: block.name, command: typeof input?.command === 'string' ? input.command : JSON.stringify(block.input ?? null)});
			}

			if (event.type === 'user' && block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
				const text = textOf(block.content);
				const call = this.#calls.get(block.tool_use_id);
				if (call && text.includes(POLICY_MARK) && !text.includes("needs a person's approval")) {
					const rule = /rule "([^"]+)"/.exec(text)?.[1] ?? (text.includes('cannot read') ? 'unreadable' : 'policy');
					this.violations.push({...call, command: call.command.slice(0, 2000), rule, time: new Date().toISOString()});
				}
			}
		}
	}
}

function textOf(content: unknown): string {
	if (typeof content === 'string') {
		return content;
	}

	return Array.isArray(content) ? content.map(part => (typeof part === 'object' && part !== null && typeof (part as {text?: unknown}).text === 'string' ? (part as {text: string}).text : '')).join('\n') : '';
}
