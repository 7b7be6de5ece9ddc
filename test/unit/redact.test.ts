import {describe, expect, test} from 'vitest';
import {createRedactor, encodedForms} from '../../src/worker/redact.ts';

/** How a secret travels into a stream-json line: the text a tool or the model wrote, JSON-encoded by the CLI. */
const inLine = (text: string) => JSON.stringify({type: 'user', content: text});
/** PHP's json_encode: "/" as "\/". */
const php = (value: unknown) => JSON.stringify(value).replaceAll('/', '\\/');
/** Python's json.dumps: every non-ASCII character as \uXXXX. */
const python = (value: unknown) => JSON.stringify(value).replace(/[^\x20-\x7e]/g, char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('encodedForms', () => {
	test.each<[string, string, number]>([
		['a usual API key has one form', 'sk-ant-api03-abc_DEF-0123456789', 1],
		['a quote and a backslash: raw, escaped once, escaped twice', 'pa"ss\\word-1234', 3],
		['a slash adds the \\/ form, alone and escaped', 'AKIAabc/def+ghi=', 3],
		['a non-ASCII character adds the \\u00XX form, alone and escaped', 'naïve-secret-1234', 3],
		['a control character is escaped by JSON itself', 'tab\there-12345', 3],
	])('%s', (_name, secret, count) => {
		expect(encodedForms(secret)).toHaveLength(count);
		expect(encodedForms(secret)[0]).toBe(secret);
	});
});

describe('createRedactor', () => {
	const secrets = ['sk-ant-api03-abc_DEF-0123456789', 'pa"ss\\word/1234', 'naïve-secret-1234'];
	const redact = createRedactor(secrets);

	test.each<[string, (secret: string) => string]>([
		['raw (stderr, a line that is not JSON)', secret => `error: ${secret} refused`],
		['inside a string of the line', secret => inLine(`the key is ${secret}`)],
		['JSON text inside a string (a printed settings.json)', secret => inLine(JSON.stringify({env: {KEY: secret}}))],
		['written by PHP, inside a string', secret => inLine(php({key: secret}))],
		['written by Python, inside a string', secret => inLine(python({key: secret}))],
		['written by Python, raw', secret => python({key: secret})],
	])('takes each secret out when it is %s', (_name, place) => {
		for (const secret of secrets) {
			const out = redact(place(secret));
			expect(out).toContain('[redacted]');
			for (const form of encodedForms(secret)) {
				expect(out).not.toContain(form);
			}
		}
	});

	test('a line without a secret comes back as it was, and no secrets means no work', () => {
		const line = inLine('nothing to see');
		expect(redact(line)).toBe(line);
		expect(createRedactor([])(line)).toBe(line);
	});

	test('a redacted line is still JSON, and decodes to [redacted]', () => {
		const line = redact(inLine(`key: ${secrets[1]}`));
		expect(JSON.parse(line)).toEqual({type: 'user', content: 'key: [redacted]'});
	});
});
