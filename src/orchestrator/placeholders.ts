/**
 * Placeholders hand a task the results of tasks it depends on:
 *   {{tasks.ID.result}}            the final text of task ID
 *   {{tasks.ID.structuredOutput}}  its structured output as JSON (when it had a jsonSchema)
 *   {{tasks.ID.cwd}}               the folder it ran in, to read or review what it wrote
 * Any other `{{...}}` is refused, so a misspelt one never reaches the model as it was written;
 * `\{{` is a literal `{{` (the backslash is dropped when the task is queued).
 */
export const PLACEHOLDER_FIELDS = ['result', 'structuredOutput', 'cwd'] as const;

export type PlaceholderField = (typeof PLACEHOLDER_FIELDS)[number];

/** One placeholder as written in a prompt, and where: `index` is its offset in the prompt. */
export type Placeholder = {text: string; task: string; field: string; index: number};

/** What a placeholder or an escape is replaced with when the task is queued. */
export type Replacement = {index: number; text: string; value: string};

/** The known forms, for a message: `{{tasks.ID.result}}, {{tasks.ID.structuredOutput}} or {{tasks.ID.cwd}}`. */
export const PLACEHOLDER_FORMS = `${PLACEHOLDER_FIELDS.slice(0, -1).map(field => `{{tasks.ID.${field}}}`).join(', ')} or {{tasks.ID.${PLACEHOLDER_FIELDS.at(-1)}}}`;

const PLACEHOLDER = /(?<!\\)\{\{\s*tasks\.([^.{}\s]+)\.([^.{}\s]+)\s*\}\}/g;

/** Every `{{...}}` that no backslash escapes. */
const BRACES = /(?<!\\)\{\{[^{}]*\}\}/g;

const ESCAPE = /\\\{\{/g;

export function findPlaceholders(prompt: string): Placeholder[] {
	return [...prompt.matchAll(PLACEHOLDER)].map(match => ({text: match[0], task: match[1]!, field: match[2]!, index: match.index}));
}

export function isPlaceholderField(field: string): field is PlaceholderField {
	return (PLACEHOLDER_FIELDS as readonly string[]).includes(field);
}

/** The `{{...}}` of a prompt that are not of the form `{{tasks.ID.FIELD}}`, each as written: `{{task.a.result}}`. */
export function findUnknownPlaceholders(prompt: string): string[] {
	const known = new Set(findPlaceholders(prompt).map(placeholder => placeholder.index));
	return [...prompt.matchAll(BRACES)].filter(match => !known.has(match.index)).map(match => match[0]);
}

/** Each `\{{` of a prompt, which becomes `{{`. */
export function findEscapes(prompt: string): Replacement[] {
	return [...prompt.matchAll(ESCAPE)].map(match => ({index: match.index, text: match[0], value: '{{'}));
}
