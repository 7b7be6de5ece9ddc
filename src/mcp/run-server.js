// The MCP server spool gives each of its own runs, whose one tool is ask_human (docs/ask.md).
//
// Plain JavaScript with node's builtins only, run as `node src/mcp/run-server.js`: claude starts it
// with every run and waits for it before its first request, so its start is part of every run's time.
// Through bin/spool.js (the TypeScript sources, zod, the logger) that start cost a run about 220 ms of
// wall time and as much CPU (docs/benchmarks.md, part 5); this file starts in a bare node's time.
//
// The call never runs while the question is open: the run's PreToolUse hook defers it, claude ends the
// run, and the task waits. Resumed once a person answered, the hook lets the call through and it
// returns the answer, which the worker put in the run's environment (SPOOL_ASK_ANSWER).
//
// The MCP stdio transport: JSON-RPC 2.0, one message a line; nothing else is written to stdout.
import readline from 'node:readline';
import {pathToFileURL} from 'node:url';

/** The variable the worker puts the person's answer in (src/ask/run-options.ts ANSWER_ENV). */
export const ANSWER_ENV = 'SPOOL_ASK_ANSWER';

/** The MCP versions this server speaks, newest first (as src/mcp/server.ts). */
const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];

export const ASK_HUMAN = {
	name: 'ask_human',
	description:
		'Ask the person who runs this team a question, when you cannot go on well without their decision or knowledge: a choice with real trade-offs, '
		+ 'access or credentials you lack, requirements that are unclear or contradict each other. Your run pauses here and ends; when the person has answered '
		+ '(in minutes or hours), this same session resumes and this call returns their answer. Ask one clear question that stands on its own, give the options '
		+ 'when there are a few, and in context say what you found and what you would recommend. Do not ask what you can find out yourself.',
	inputSchema: {
		type: 'object',
		properties: {
			question: {type: 'string', minLength: 1, description: 'The question, complete in itself: the person reads it on a phone, without your transcript.'},
			options: {type: 'array', items: {type: 'string'}, description: 'The answers you see, if there are a few; the person may still answer otherwise.'},
			context: {type: 'string', description: 'What you found so far and what you recommend, briefly.'},
		},
		required: ['question'],
		additionalProperties: false,
	},
};

const NO_PERSON = 'ask_human: this run cannot wait for a person (its PreToolUse hook did not defer the call: are hooks turned off in the worker\'s settings?); go on with your best judgement and say what you assumed';

/** The reply to one request: a result, or a JSON-RPC error. Pure, so a test can hold it against the protocol. */
export function answer(method, params, env = process.env) {
	switch (method) {
		case 'initialize': {
			const protocolVersion = PROTOCOL_VERSIONS.find(version => version === params?.protocolVersion) ?? PROTOCOL_VERSIONS[0];
			return {result: {protocolVersion, capabilities: {tools: {}}, serverInfo: {name: 'spool', title: 'spool job queue', version: '0.1.0'}}};
		}

		case 'ping': {
			return {result: {}};
		}

		case 'tools/list': {
			return {result: {tools: [ASK_HUMAN]}};
		}

		case 'tools/call': {
			if (params?.name !== ASK_HUMAN.name) {
				return {error: {code: -32_602, message: `unknown tool ${JSON.stringify(params?.name)}; the tools are ask_human`}};
			}

			const problem = badInput(params.arguments ?? {});
			if (problem) {
				return {result: {content: [{type: 'text', text: `ask_human: ${problem}`}], isError: true}};
			}

			const given = env[ANSWER_ENV];
			return given === undefined
				? {result: {content: [{type: 'text', text: NO_PERSON}], isError: true}}
				: {result: {content: [{type: 'text', text: `The person answered:\n\n${given}`}]}};
		}

		default: {
			return {error: {code: -32_601, message: `method not found: ${method} (spool serves tools only)`}};
		}
	}
}

/** What is wrong with ask_human's arguments, in words the model can act on; undefined when nothing is. */
function badInput(input) {
	if (typeof input !== 'object' || input === null || Array.isArray(input)) {
		return 'the arguments must be an object such as {"question": "..."}';
	}

	const unknown = Object.keys(input).filter(key => !(key in ASK_HUMAN.inputSchema.properties));
	if (unknown.length > 0) {
		return `unknown ${unknown.length === 1 ? 'field' : 'fields'} ${unknown.map(key => JSON.stringify(key)).join(', ')}; the fields are question, options and context`;
	}

	if (typeof input.question !== 'string' || input.question === '') {
		return 'question must be a non-empty string';
	}

	if (input.options !== undefined && !(Array.isArray(input.options) && input.options.every(option => typeof option === 'string'))) {
		return 'options must be a list of strings';
	}

	if (input.context !== undefined && typeof input.context !== 'string') {
		return 'context must be a string';
	}

	return undefined;
}

/** Serves the lines of `input` until it ends. Notifications (no id) get no reply; a line that is no JSON gets a parse error. */
export function serveRun(input, output) {
	const send = message => output.write(`${JSON.stringify({jsonrpc: '2.0', ...message})}\n`);
	output.on('error', () => process.exit(0)); // The client went away.
	const lines = readline.createInterface({input, crlfDelay: Number.POSITIVE_INFINITY});
	lines.on('line', line => {
		if (line.trim() === '') {
			return;
		}

		let message;
		try {
			message = JSON.parse(line);
		} catch {
			send({id: null, error: {code: -32_700, message: 'parse error: not JSON'}});
			return;
		}

		if (typeof message !== 'object' || message === null || Array.isArray(message)) {
			send({id: null, error: {code: -32_600, message: 'invalid request: one JSON-RPC object a line'}});
			return;
		}

		if (typeof message.method !== 'string') {
			return; // A response (the client answering a request of ours): this server sends none.
		}

		if (message.id === undefined || message.id === null) {
			return; // A notification: notifications/initialized, notifications/cancelled.
		}

		send({id: message.id, ...answer(message.method, message.params)});
	});
	return new Promise(resolve => lines.once('close', resolve));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	await serveRun(process.stdin, process.stdout);
}
