import type {z} from 'zod';

/** Turns zod issues into lines that name the field and the bad value: `workers.coder.concurrency: ... (got "two")`. */
export function formatIssues(error: z.ZodError, input: unknown): string[] {
	return error.issues.map(issue => {
		const path = issue.path.map(formatSegment).join('.');
		const value = valueAt(input, issue.path);
		// A bad record key is named by the path; the value under it is not what is wrong.
		const showValue = value.found && issue.code !== 'unrecognized_keys' && issue.code !== 'invalid_key';
		const shown = isSecretField(issue.path) ? ` (got ${describeSecret(value.value)}, not shown: it may hold a secret)` : ` (got ${preview(value.value)})`;
		return `${path || '(top level)'}: ${describeIssue(issue, value)}${showValue ? shown : ''}`;
	});
}

/** A bot token wherever it appears: `123456:AA...`, as in Telegram's /bot<TOKEN>/. */
export const TOKEN_SHAPE = /\d{3,}:[\w-]{20,}/g;

/**
 * A bot token, or a webhook URL (a Slack webhook's path is its secret): a config error names the field,
 * never the value. Anything under notify.telegram and notify.webhooks is taken for one, whatever shape
 * it was given in (`telegram: "123:AA..."` written as a plain string).
 */
function isSecretField(path: PropertyKey[]): boolean {
	const last = String(path.at(-1));
	const underTargets = path[0] === 'notify' && (path[1] === 'telegram' || path[1] === 'webhooks' || path.length === 1);
	return /token|secret|password|apikey/i.test(last) || (underTargets && !['apiBase', 'chatId', 'format'].includes(last));
}

/** A text that may quote spool.yaml (a YAML syntax error shows its line): bot tokens and the paths of URLs taken out. */
export function scrubConfigText(text: string): string {
	return text.replaceAll(TOKEN_SHAPE, '[redacted]').replaceAll(/(https?:\/\/[^/\s"'`]+)\/[^\s"'`]+/g, '$1/[redacted]');
}

function describeSecret(value: unknown): string {
	return typeof value === 'string' ? `a string of ${value.length} characters` : `a ${value === null ? 'null' : typeof value}`;
}

function describeIssue(issue: z.core.$ZodIssue, {found, value}: {found: boolean; value?: unknown}): string {
	if (issue.code === 'invalid_key') {
		// zod says "Invalid key in record"; the key's own issues say which rule it breaks.
		return issue.issues.map(inner => simplify(inner.message)).join('; ');
	}

	if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && typeof value === 'number' && !Number.isFinite(value)) {
		return Number.isNaN(value) ? 'is not a finite number' : 'is not a finite number (YAML and JSON read a number beyond ±1.8e308, such as 1e400, as Infinity)';
	}

	if (issue.code === 'invalid_type') {
		// "expected number, received string": the value itself follows as (got ...), so its type is not said twice.
		const expected = simplify(issue.message).replace(/, received .*$/, '');
		return found ? expected : `is missing (${expected})`;
	}

	return simplify(issue.message);
}

function simplify(message: string): string {
	// zod 4 says "Invalid input: expected string, received number"; the field name already says where.
	return message.replace(/^Invalid input: /, '');
}

/** A key with spaces or dots is quoted, so `workers."bad name"` reads as one field. */
function formatSegment(key: PropertyKey): string {
	const text = String(key);
	return /^[\w$-]+$/.test(text) ? text : JSON.stringify(text);
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
	// JSON.stringify(Infinity) is "null", which hides what the file said.
	const text = typeof value === 'number' && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
