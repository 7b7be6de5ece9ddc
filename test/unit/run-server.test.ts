import {spawn} from 'node:child_process';
import readline from 'node:readline';
import {describe, expect, test} from 'vitest';
import {ANSWER_ENV, RUN_SERVER} from '../../src/ask/run-options.ts';
import {ROOT} from '../helpers/home.ts';

/*
 * src/mcp/run-server.js, the ask_human server every run gets, is plain JavaScript so that it starts in a
 * bare node's time (claude waits for it at each run's start). These hold its protocol; the real CLI
 * drives it in test/ask/ask-human.test.ts.
 */
const {answer, ANSWER_ENV: serverEnv} = (await import(RUN_SERVER)) as {answer: (method: string, params: unknown, env?: Record<string, string>) => Record<string, any>; ANSWER_ENV: string};

describe('the ask_human server of a run', () => {
	test('it reads the answer from the variable the worker sets', () => {
		expect(serverEnv).toBe(ANSWER_ENV);
	});

	test.each([
		['initialize with a version it speaks', 'initialize', {protocolVersion: '2025-06-18'}, {result: {protocolVersion: '2025-06-18', capabilities: {tools: {}}}}],
		['initialize with one it does not: its newest', 'initialize', {protocolVersion: '1999-01-01'}, {result: {protocolVersion: '2025-11-25'}}],
		['ping', 'ping', {}, {result: {}}],
		['an unknown method', 'resources/list', {}, {error: {code: -32_601}}],
		['an unknown tool', 'tools/call', {name: 'submit'}, {error: {code: -32_602}}],
		['no question', 'tools/call', {name: 'ask_human', arguments: {}}, {result: {isError: true, content: [{type: 'text', text: 'ask_human: question must be a non-empty string'}]}}],
		['a field it does not know', 'tools/call', {name: 'ask_human', arguments: {question: 'q', urgent: true}}, {result: {isError: true}}],
		['options that are no strings', 'tools/call', {name: 'ask_human', arguments: {question: 'q', options: [1]}}, {result: {isError: true, content: [{text: 'ask_human: options must be a list of strings'}]}}],
		['a call no hook deferred (no answer in its environment)', 'tools/call', {name: 'ask_human', arguments: {question: 'q'}}, {result: {isError: true}}],
	])('%s', (_, method, params, expected) => {
		expect(answer(method, params, {})).toMatchObject(expected);
	});

	test("tools/list gives ask_human with its schema; a resumed call returns the person's answer", () => {
		const listed = answer('tools/list', {}).result.tools;
		expect(listed).toHaveLength(1);
		expect(listed[0]).toMatchObject({name: 'ask_human', inputSchema: {type: 'object', required: ['question'], additionalProperties: false}});
		expect(Object.keys(listed[0].inputSchema.properties)).toEqual(['question', 'options', 'context']);
		expect(answer('tools/call', {name: 'ask_human', arguments: {question: 'Which database?', options: ['a', 'b']}}, {[ANSWER_ENV]: 'SQLite'})).toEqual({result: {content: [{type: 'text', text: 'The person answered:\n\nSQLite'}]}});
	});

	test('run as claude runs it (node FILE), and as `spool mcp --run`: one reply per request, none to a notification, a parse error for a line that is no JSON', async () => {
		for (const args of [[RUN_SERVER], [`${ROOT}/bin/spool.js`, 'mcp', '--run']]) {
			const child = spawn(process.execPath, args, {stdio: ['pipe', 'pipe', 'inherit'], env: {PATH: process.env.PATH, [ANSWER_ENV]: 'yes'}});
			const replies: Array<Record<string, any>> = [];
			readline.createInterface({input: child.stdout!}).on('line', line => replies.push(JSON.parse(line)));
			child.stdin!.write(`${JSON.stringify({jsonrpc: '2.0', id: 1, method: 'initialize', params: {protocolVersion: '2025-06-18', clientInfo: {name: 'test'}}})}\n`);
			child.stdin!.write(`${JSON.stringify({jsonrpc: '2.0', method: 'notifications/initialized'})}\n`);
			child.stdin!.write('not json\n');
			child.stdin!.write(`${JSON.stringify({jsonrpc: '2.0', id: 'b', method: 'tools/call', params: {name: 'ask_human', arguments: {question: 'ok?'}}})}\n`);
			child.stdin!.end();
			const code = await new Promise(resolve => child.once('exit', resolve));
			expect(code).toBe(0);
			expect(replies).toMatchObject([
				{jsonrpc: '2.0', id: 1, result: {protocolVersion: '2025-06-18', serverInfo: {name: 'spool'}}},
				{jsonrpc: '2.0', id: null, error: {code: -32_700}},
				{jsonrpc: '2.0', id: 'b', result: {content: [{type: 'text', text: 'The person answered:\n\nyes'}]}},
			]);
		}
	});
});
