/** A tool call of a run, as its stream showed it, with what it returned. */
export type ToolOutcome = {tool: string; input: unknown; text: string; failed: boolean};

/**
 * The tool calls of a run's stream paired with their results by id: each assistant `tool_use` is kept
 * until the `tool_result` with its id arrives, and `onResult` gets the pair (the result's text blocks
 * joined; `failed`: claude's is_error). What reads the stream for refusals (policy/violations.ts,
 * sandbox/blocks.ts) reads it through this.
 */
export class ToolCalls {
	readonly #calls = new Map<string, {tool: string; input: unknown}>();
	readonly #onResult: (outcome: ToolOutcome) => void;

	constructor(onResult: (outcome: ToolOutcome) => void) {
		this.#onResult = onResult;
	}

	observe(event: Record<string, unknown>): void {
		const content = (event.message as {content?: unknown} | undefined)?.content;
		if (!Array.isArray(content)) {
			return;
		}

		for (const block of content as Array<Record<string, unknown>>) {
			if (event.type === 'assistant' && block.type === 'tool_use' && typeof block.id === 'string' && typeof block.name === 'string') {
				this.#calls.set(block.id, {tool: block.name, input: block.input});
			}

			if (event.type === 'user' && block.type === 'tool_result' && typeof block.tool_use_id === 'string') {
				const call = this.#calls.get(block.tool_use_id);
				if (call) {
					this.#calls.delete(block.tool_use_id);
					this.#onResult({...call, text: textOf(block.content), failed: block.is_error === true});
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
