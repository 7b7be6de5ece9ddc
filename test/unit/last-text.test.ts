import {Readable} from 'node:stream';
import {describe, expect, test} from 'vitest';
import {readOutput} from '../../src/worker/read-output.ts';

const transcript = {write() {}, end: async () => undefined, error: null} as never;

async function lastTextOf(events: unknown[]): Promise<string | null> {
	const summary = await readOutput(Readable.from([Buffer.from(`${events.map(event => JSON.stringify(event)).join("\n")}\n`)]), transcript);
	return summary.lastText;
}

const text = (id: string, value: string, parent: string | null = null) => ({type: 'assistant', parent_tool_use_id: parent, message: {id, content: [{type: 'text', text: value}]}});
const tool = (id: string) => ({type: 'assistant', parent_tool_use_id: null, message: {id, content: [{type: 'tool_use', id: 't', name: 'Bash', input: {}}]}});
const result = {type: 'result', subtype: 'error_max_budget_usd'};

describe("the stream's last text: a final answer only while nothing came after it but the result", () => {
	test.each<[string, unknown[], string | null]>([
		['the main thread answered last', [{type: 'system', subtype: 'init'}, tool('m1'), {type: 'user'}, text('m2', 'done'), result], 'done'],
		['one message over several events, joined', [text('m1', 'one '), text('m1', 'two'), result], 'one two'],
		['a tool call after the text', [text('m1', 'let me check'), tool('m1'), result], 'let me check'],
		['a user event (a tool result, an interrupt) after the text', [text('m1', 'I launched an agent'), {type: 'user'}, result], null],
		['a background task after the text', [text('m1', 'started it'), {type: 'system', subtype: 'task_notification'}, result], null],
		["a subagent's message after the text", [text('m1', 'waiting'), text('s1', 'sub', 'toolu_1'), result], null],
		['no text at all', [tool('m1'), result], null],
	])('%s', async (_name, events, expected) => {
		expect(await lastTextOf(events)).toBe(expected);
	});
});
