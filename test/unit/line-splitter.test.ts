import {describe, expect, test} from 'vitest';
import {LineSplitter, MAX_LINE_BYTES, type LinePiece} from '../../src/worker/line-splitter.ts';

const LIMIT = 16;
const line = (text: string): LinePiece => ({kind: 'line', text});
const tooLong = (bytes: number, eventType: string | null = null): LinePiece => ({kind: 'too-long', bytes, eventType});

/** Every piece the splitter gives for these chunks, the end included. */
function split(chunks: Array<string | Buffer>, limit = LIMIT): LinePiece[] {
	const splitter = new LineSplitter(limit);
	return [...chunks.flatMap(chunk => splitter.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))), ...splitter.end()];
}

const euro = Buffer.from('€'); // Three bytes: E2 82 AC.
const userEvent = `{"type":"user","message":"${'x'.repeat(40)}"}`;
const resultEvent = `{"result":"${'x'.repeat(40)}","type":"result"}`;

describe('LineSplitter', () => {
	test.each<[string, Array<string | Buffer>, LinePiece[]]>([
		['one line in one chunk', ['{"a":1}\n'], [line('{"a":1}')]],
		['two lines in one chunk', ['a\nb\n'], [line('a'), line('b')]],
		['a line across three chunks', ['{"a"', ':', '1}\n'], [line('{"a":1}')]],
		['CRLF: the CR is dropped', ['a\r\nb\r\n'], [line('a'), line('b')]],
		['a lone CR stays in the line', ['a\rb\n'], [line('a\rb')]],
		['a character cut across chunks stays whole', [Buffer.concat([Buffer.from('x'), euro.subarray(0, 1)]), Buffer.concat([euro.subarray(1), Buffer.from('\n')])], [line('x€')]],
		['empty lines come out empty', ['\n\na\n'], [line(''), line(''), line('a')]],
		['the last line without a newline', ['a\nb'], [line('a'), line('b')]],
		['nothing at all', [], []],
		['a line of exactly the limit is kept', [`${'x'.repeat(LIMIT)}\n`], [line('x'.repeat(LIMIT))]],
		['one byte over the limit is too long', [`${'x'.repeat(LIMIT + 1)}\n`], [tooLong(LIMIT + 1)]],
		['the limit counts bytes, not characters', [`${'€'.repeat(6)}\n`], [tooLong(18)]],
		['a too-long line, then the lines after it', [`${'x'.repeat(40)}\nok\n`], [tooLong(40), line('ok')]],
		['a too-long line across many chunks', ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(10), '\nok\n'], [tooLong(30), line('ok')]],
		['a too-long last line without a newline', ['ok\n', 'x'.repeat(30)], [line('ok'), tooLong(30)]],
		['the event type of a too-long line', [`${userEvent}\n`], [tooLong(userEvent.length, 'user')]],
		['no type when it is not the first key', [`${resultEvent}\n`], [tooLong(resultEvent.length)]],
	])('%s', (_name, chunks, expected) => {
		expect(split(chunks)).toEqual(expected);
	});

	test('a too-long line is counted to its end, however many chunks it spans', () => {
		const splitter = new LineSplitter(1024);
		const chunk = Buffer.alloc(64 * 1024, 'x');
		for (let n = 0; n < 100; n++) {
			expect(splitter.push(chunk)).toEqual([]);
		}

		expect(splitter.push(Buffer.from('\n'))).toEqual([tooLong(100 * chunk.length)]);
	});

	test('the default limit is 16 MiB', () => {
		expect(MAX_LINE_BYTES).toBe(16 * 1024 * 1024);
		expect(new LineSplitter().maxBytes).toBe(MAX_LINE_BYTES);
	});
});
