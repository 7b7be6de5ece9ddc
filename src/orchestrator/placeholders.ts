/**
 * Placeholders hand a task the results of tasks it depends on:
 *   {{tasks.ID.result}}            the final text of task ID
 *   {{tasks.ID.structuredOutput}}  its structured output as JSON (when it had a jsonSchema)
 *   {{tasks.ID.cwd}}               the folder it ran in, to read or review what it wrote
 */
export const PLACEHOLDER_FIELDS = ['result', 'structuredOutput', 'cwd'] as const;

export type PlaceholderField = (typeof PLACEHOLDER_FIELDS)[number];

export type Placeholder = {text: string; task: string; field: string};

const PLACEHOLDER = /\{\{\s*tasks\.([^.{}\s]+)\.([^.{}\s]+)\s*\}\}/g;

export function findPlaceholders(prompt: string): Placeholder[] {
	return [...prompt.matchAll(PLACEHOLDER)].map(match => ({text: match[0], task: match[1]!, field: match[2]!}));
}

export function isPlaceholderField(field: string): field is PlaceholderField {
	return (PLACEHOLDER_FIELDS as readonly string[]).includes(field);
}

/** Replaces each placeholder with `valueOf(task, field)`; the prompt was validated, so every one is known. */
export function fillPlaceholders(prompt: string, valueOf: (task: string, field: PlaceholderField) => string): string {
	return prompt.replace(PLACEHOLDER, (text, task: string, field: string) => (isPlaceholderField(field) ? valueOf(task, field) : text));
}
