import type {z} from 'zod';

/** Turns zod issues into lines that name the field and the bad value: `workers.coder.concurrency: ... (got "two")`. */
export function formatIssues(error: z.ZodError, input: unknown): string[] {
	return error.issues.map(issue => {
		const path = issue.path.map(String).join('.');
		const value = valueAt(input, issue.path);
		const got = value.found && issue.code !== 'unrecognized_keys' ? ` (got ${preview(value.value)})` : '';
		return `${path || '(top level)'}: ${simplify(issue.message)}${got}`;
	});
}

function simplify(message: string): string {
	// zod 4 says "Invalid input: expected string, received number"; the field name already says where.
	return message.replace(/^Invalid input: /, '');
}

function valueAt(input: unknown, path: PropertyKey[]): {found: boolean; value?: unknown} {
	let current = input;
	for (const key of path) {
		if (current === null || typeof current !== 'object' || !(key in current)) {
			return {found: false};
		}

		current = (current as Record<PropertyKey, unknown>)[key];
	}

	return {found: true, value: current};
}

function preview(value: unknown): string {
	const text = JSON.stringify(value) ?? String(value);
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
