/** How many steps of a run question.md shows: the last ones, which led to the question. */
const MAX_STEPS = 15;
const MAX_STEP_CHARS = 300;

/**
 * What the agent did in a run, as question.md tells it: each tool it called (with the gist of its
 * input) and what it said, read from the stream-json events as they arrive. Only the last steps are kept.
 */
export class Activity {
	readonly steps: string[] = [];

	observe(event: Record<string, unknown>): void {
		if (event.type !== 'assistant' || event.parent_tool_use_id) {
			return; // The main thread only: a subagent's steps are its own.
		}

		const content = (event.message as {content?: unknown} | undefined)?.content;
		for (const block of Array.isArray(content) ? (content as Array<Record<string, unknown>>) : []) {
			if (block.type === 'text' && typeof block.text === 'string' && block.text.trim() !== '') {
				this.#add(`said: ${block.text.trim()}`);
			} else if (block.type === 'tool_use' && typeof block.name === 'string') {
				this.#add(`${block.name}: ${gist(block.input)}`);
			}
		}
	}

	#add(step: string): void {
		const line = step.replaceAll(/\s+/g, ' ');
		this.steps.push(line.length > MAX_STEP_CHARS ? `${line.slice(0, MAX_STEP_CHARS - 3)}...` : line);
		if (this.steps.length > MAX_STEPS) {
			this.steps.shift();
		}
	}
}

/** A tool input in a few words: its command, path or pattern when it has one, else its JSON. */
function gist(input: unknown): string {
	if (typeof input !== 'object' || input === null) {
		return '';
	}

	const fields = input as Record<string, unknown>;
	for (const key of ['command', 'file_path', 'path', 'pattern', 'url', 'question', 'description']) {
		if (typeof fields[key] === 'string') {
			return fields[key];
		}
	}

	return JSON.stringify(input);
}
