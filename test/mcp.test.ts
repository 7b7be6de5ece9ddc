import fs from 'node:fs/promises';
import path from 'node:path';
import {afterEach, describe, expect, test} from 'vitest';
import {serializeResult} from '../src/lifecycle/commit.ts';
import {buildResult} from '../src/queue/result.ts';
import {McpClient} from './helpers/mcp-client.ts';
import {dropTask, makeHome, readJson, waitFor} from './helpers/home.ts';

let client: McpClient | undefined;

afterEach(async () => {
	await client?.close();
	client = undefined;
});

async function startServer(workers: Record<string, Record<string, unknown>> = {coder: {description: 'Writes code.'}, reviewer: {}}) {
	const home = await makeHome({workers});
	client = new McpClient(home);
	return {home, client};
}

/** A finished task's result file, as a worker loop writes it. */
async function writeResult(home: string, worker: string, id: string, fields: Record<string, unknown>): Promise<void> {
	const result = buildResult({id, worker, owner: 'test-loop', runId: crypto.randomUUID(), attempts: 1, startedAt: new Date()}, fields);
	const file = path.join(home, 'results', worker, `${id}.json`);
	await fs.mkdir(path.dirname(file), {recursive: true});
	// Whole or not at all, as spool places a result.
	await fs.writeFile(`${file}.tmp`, serializeResult(result));
	await fs.rename(`${file}.tmp`, file);
}

describe('spool mcp over its stdio', () => {
	test('initialize echoes a version it speaks, else offers its newest; tools/list has a JSON Schema per tool; ping; an unknown method is -32601', async () => {
		const {client} = await startServer();
		const init = await client.initialize('2025-06-18');
		expect(init.result).toMatchObject({protocolVersion: '2025-06-18', capabilities: {tools: {}}, serverInfo: {name: 'spool'}});
		expect((await client.request('initialize', {protocolVersion: '2099-01-01', capabilities: {}})).result.protocolVersion).toBe('2025-11-25');

		const {result} = await client.request('tools/list');
		const tools = Object.fromEntries((result.tools as Array<{name: string; inputSchema: any}>).map(tool => [tool.name, tool]));
		expect(Object.keys(tools)).toEqual(['submit', 'wait_for_result', 'workers', 'list', 'show', 'cancel', 'retry']);
		expect(tools.submit!.inputSchema).toMatchObject({type: 'object', required: ['worker', 'prompt'], additionalProperties: false});
		expect(Object.keys(tools.submit!.inputSchema.properties)).toEqual(['worker', 'prompt', 'id', 'model', 'cwd', 'repo', 'worktreeOf', 'skill', 'mode', 'output', 'timeout', 'maxTurns', 'priority', 'notBefore', 'maxCostUsd']);
		expect(tools.submit!.inputSchema.properties.mode).toMatchObject({type: 'string', enum: ['agent', 'simple']});
		expect(tools.wait_for_result!.inputSchema.properties.timeoutSeconds).toMatchObject({type: 'number', default: 600, maximum: 3600});
		expect(tools.submit!.inputSchema.$schema).toBeUndefined();

		expect(await client.request('ping')).toEqual({jsonrpc: '2.0', id: expect.any(Number), result: {}});
		expect((await client.request('resources/list')).error).toMatchObject({code: -32_601});
		// Claude Code probes with server/discover first and falls back to initialize on -32601.
		expect((await client.request('server/discover', {})).error).toMatchObject({code: -32_601});
		client.send('not json');
		expect((await client.reply(message => message.id === null)).error).toMatchObject({code: -32_700});
		expect((await client.request('tools/call', {name: 'nope', arguments: {}})).error).toMatchObject({code: -32_602, message: expect.stringContaining('submit, wait_for_result, workers, list')});
		expect(client.strayLines).toEqual([]);
	});

	test('submit writes tasks/WORKER/ID.json through the queue\'s own checks, and says where', async () => {
		const {home, client} = await startServer();
		await client.initialize();
		const submitted = await client.callTool('submit', {worker: 'coder', prompt: 'Fix the bug', id: 'fix-1', timeout: '10m', maxTurns: 5, priority: 3});
		expect(submitted.isError).toBe(false);
		const file = path.join(home, 'tasks', 'coder', 'fix-1.json');
		expect(submitted.json).toEqual({worker: 'coder', id: 'fix-1', file});
		expect(await readJson(file)).toEqual({prompt: 'Fix the bug', timeout: '10m', maxTurns: 5, priority: 3});

		const generated = await client.callTool('submit', {worker: 'reviewer', prompt: 'Review it'});
		expect(generated.json.id).toMatch(/^\d{8}T\d{6}-\d{3}-[0-9a-f]{6}$/);
		expect(await readJson(generated.json.file)).toEqual({prompt: 'Review it'});
	});

	test('submit takes repo, worktreeOf, skill, mode and output as spool submit does, checked by the task schema', async () => {
		const {home, client} = await startServer();
		await client.initialize();
		// A skill is checked as the task is queued: the home has one.
		await fs.mkdir(path.join(home, 'skills', 'summarise'), {recursive: true});
		await fs.writeFile(path.join(home, 'skills', 'summarise', 'SKILL.md'), '---\nname: summarise\ndescription: Summarise a repository.\n---\nSummarise it.\n');
		await fs.appendFile(path.join(home, 'spool.yaml'), 'skills:\n  dir: skills\n');
		const repo = await client.callTool('submit', {worker: 'coder', prompt: 'Add a flag', id: 'code', repo: 'app', skill: 'summarise'});
		expect(repo.isError).toBe(false);
		expect(await readJson(path.join(home, 'tasks', 'coder', 'code.json'))).toEqual({prompt: 'Add a flag', repo: 'app', skill: 'summarise'});
		await client.callTool('submit', {worker: 'reviewer', prompt: 'Review it', id: 'review', worktreeOf: 'coder/code'});
		expect(await readJson(path.join(home, 'tasks', 'reviewer', 'review.json'))).toEqual({prompt: 'Review it', worktreeOf: 'coder/code'});
		await client.callTool('submit', {worker: 'coder', prompt: 'Summarise', id: 'sum', repo: 'app', mode: 'simple', output: 'docs/summary.md'});
		expect(await readJson(path.join(home, 'tasks', 'coder', 'sum.json'))).toEqual({prompt: 'Summarise', repo: 'app', mode: 'simple', output: 'docs/summary.md'});

		const cases: Array<[Record<string, unknown>, string]> = [
			[{repo: '../app'}, 'repo: must name a repository of spool.yaml\'s repos'],
			[{worktreeOf: 'code'}, 'worktreeOf: must be WORKER/ID of a task that ran with a repo'],
			[{skill: '../x'}, 'skill: must be a skill name'],
			[{mode: 'fast'}, 'mode:'],
			[{mode: 'simple', output: '/tmp/out.md'}, 'output: must be a path relative to the task\'s cwd'],
		];
		for (const [fields, message] of cases) {
			const reply = await client.callTool('submit', {worker: 'coder', prompt: 'hi', ...fields});
			expect(reply, JSON.stringify(fields)).toMatchObject({isError: true, text: expect.stringContaining(message)});
		}

		expect((await fs.readdir(path.join(home, 'tasks', 'coder'))).sort()).toEqual(['code.json', 'sum.json']);
	});

	test('bad input is a tool result with isError that names the problem, and the server keeps serving', async () => {
		const {home, client} = await startServer();
		await client.initialize();
		const cases: Array<[Record<string, unknown>, string]> = [
			[{worker: 'nobody', prompt: 'hi'}, 'submit: no worker named "nobody"'],
			[{worker: 'coder', prompt: '   '}, 'prompt: must not be empty'],
			[{worker: 'coder', prompt: 'hi', timeout: 'soon'}, 'timeout: expected a duration such as "30s"'],
			[{worker: 'coder', prompt: 'hi', notBefore: 'tomorrow'}, 'notBefore: must be an ISO time'],
			[{worker: 'coder', prompt: 'hi', id: '../escape'}, 'unsafe task id "../escape"'],
			[{worker: 'coder', prompt: 42}, 'prompt: expected string (got 42)'],
			[{worker: 'coder', prompt: 'hi', wrokdir: '/tmp'}, 'Unrecognized key: "wrokdir"'],
		];
		for (const [args, message] of cases) {
			const reply = await client.callTool('submit', args);
			expect(reply, JSON.stringify(args)).toMatchObject({isError: true, text: expect.stringContaining(message)});
		}

		expect((await client.callTool('submit', {worker: 'nobody', prompt: 'hi'})).text).toContain('(workers: coder, reviewer)');
		await expect(fs.readdir(path.join(home, 'tasks'))).rejects.toThrow();
		await client.callTool('submit', {worker: 'coder', prompt: 'first', id: 'same'});
		const again = await client.callTool('submit', {worker: 'coder', prompt: 'second', id: 'same'});
		expect(again).toMatchObject({isError: true, text: expect.stringContaining('is already queued')});
		expect(await readJson(path.join(home, 'tasks', 'coder', 'same.json'))).toEqual({prompt: 'first'});
		expect((await client.request('ping')).result).toEqual({});
	});

	test('wait_for_result returns a finished task\'s status, text, error and cost; a pending one after its timeout; an unknown one at once', async () => {
		const {home, client} = await startServer();
		await client.initialize();
		await writeResult(home, 'coder', 'done', {status: 'succeeded', result: 'the answer is 42', costUsd: 0.25, numTurns: 3, history: [{attempt: 1, error: {code: 'timeout', message: 'timed out'}, finishedAt: new Date().toISOString(), costUsd: 0.5}]});
		const done = await client.callTool('wait_for_result', {worker: 'coder', id: 'done', timeoutSeconds: 2});
		expect(done.isError).toBe(false);
		expect(done.json).toMatchObject({worker: 'coder', id: 'done', status: 'succeeded', result: 'the answer is 42', error: null, costUsd: 0.75, numTurns: 3});

		await writeResult(home, 'coder', 'broke', {status: 'failed', error: {code: 'error_max_turns', message: 'reached the turn limit'}});
		expect((await client.callTool('wait_for_result', {worker: 'coder', id: 'broke', timeoutSeconds: 0})).json).toMatchObject({status: 'failed', error: {code: 'error_max_turns'}});

		await dropTask(home, 'coder', 'later', {prompt: 'not yet'});
		const started = Date.now();
		const pending = await client.callTool('wait_for_result', {worker: 'coder', id: 'later', timeoutSeconds: 1});
		expect(Date.now() - started).toBeGreaterThanOrEqual(900);
		expect(pending.json).toMatchObject({status: 'pending', message: 'still pending after 1 s; call wait_for_result again to wait longer'});

		const notBefore = new Date(Date.now() + 3_600_000).toISOString();
		await client.callTool('submit', {worker: 'coder', prompt: 'in an hour', id: 'later-on', notBefore});
		expect((await client.callTool('wait_for_result', {worker: 'coder', id: 'later-on', timeoutSeconds: 0})).json).toMatchObject({status: 'delayed', message: `still delayed until ${notBefore} after 0 s; call wait_for_result again to wait longer`});

		// The id queued again: the earlier result is not this task's answer.
		await dropTask(home, 'coder', 'done', {prompt: 'once more'});
		expect((await client.callTool('wait_for_result', {worker: 'coder', id: 'done', timeoutSeconds: 0})).json).toMatchObject({status: 'pending'});

		await fs.writeFile(path.join(home, 'results', 'coder', 'foreign.json'), '{"not": "a result"}');
		expect(await client.callTool('wait_for_result', {worker: 'coder', id: 'foreign', timeoutSeconds: 60})).toMatchObject({isError: true, text: expect.stringContaining('foreign.json exists but is not a spool result')});
		expect(await client.callTool('wait_for_result', {worker: 'coder', id: 'never-queued', timeoutSeconds: 60})).toMatchObject({isError: true, text: expect.stringContaining('no task "never-queued" for worker coder')});
		expect(await client.callTool('wait_for_result', {worker: 'coder', id: 'x', timeoutSeconds: 7200})).toMatchObject({isError: true, text: expect.stringContaining('timeoutSeconds: Too big: expected number to be <=3600')});
	});

	test('a result that lands during the wait ends it; a ping is answered meanwhile; a cancelled wait ends at once', async () => {
		const {home, client} = await startServer();
		await client.initialize();
		await dropTask(home, 'coder', 'slow', {prompt: 'takes a while'});
		const waiting = client.callTool('wait_for_result', {worker: 'coder', id: 'slow', timeoutSeconds: 60});
		expect((await client.request('ping')).result).toEqual({});
		// In the order a loop ends a run: the result is placed, then the claim goes.
		await writeResult(home, 'coder', 'slow', {status: 'succeeded', result: 'finally'});
		await fs.rm(path.join(home, 'tasks', 'coder', 'slow.json'));
		expect((await waiting).json).toMatchObject({status: 'succeeded', result: 'finally'});

		// A cancelled call stops waiting, and gets no reply (the MCP rule).
		await dropTask(home, 'coder', 'stuck', {prompt: 'never runs'});
		client.send(JSON.stringify({jsonrpc: '2.0', id: 'wait-1', method: 'tools/call', params: {name: 'wait_for_result', arguments: {worker: 'coder', id: 'stuck'}}}));
		await new Promise(resolve => setTimeout(resolve, 300));
		client.notify('notifications/cancelled', {requestId: 'wait-1', reason: 'the user pressed Esc'});
		const log = path.join(home, 'logs', 'mcp.log');
		const waits = async () => (await fs.readFile(log, 'utf8')).split('\n').filter(line => line.includes('"tool":"wait_for_result"'));
		// The first is the wait for 'slow' above; the second, this one, ends soon after the cancel.
		await waitFor(async () => (await waits()).length === 2, 5000, 'the cancelled wait to end');
		expect((await client.request('ping')).result).toEqual({});
		expect(client.replies.filter(reply => reply.id === 'wait-1')).toEqual([]);
	});

	test('workers lists spool.yaml\'s workers with their queues; closing stdin ends the server even mid-wait', async () => {
		const {home, client} = await startServer();
		await client.initialize();
		await dropTask(home, 'coder', 'a', {prompt: 'one'});
		await dropTask(home, 'coder', 'b', {prompt: 'two'});
		const {json} = await client.callTool('workers', {});
		expect(json.home).toBe(home);
		expect(json.workers).toEqual([
			expect.objectContaining({worker: 'coder', description: 'Writes code.', pending: 2, running: 0, paused: null}),
			expect.objectContaining({worker: 'reviewer', description: null, pending: 0}),
		]);

		void client.callTool('wait_for_result', {worker: 'coder', id: 'a', timeoutSeconds: 600}).catch(() => undefined);
		await new Promise(resolve => setTimeout(resolve, 300));
		const started = Date.now();
		const exit = await client.close();
		expect(exit.exitCode).toBe(0);
		expect(Date.now() - started).toBeLessThan(5000);
		expect(client.strayLines).toEqual([]);
		expect(await fs.readFile(path.join(home, 'logs', 'mcp.log'), 'utf8')).toContain('"tool":"workers"');
	});

	test('list, show, cancel and retry: a task canceled before it ran, waited for, retried, then shown pending again', async () => {
		const {home, client} = await startServer();
		await client.initialize();
		await client.callTool('submit', {worker: 'coder', prompt: 'Refactor the parser', id: 'parser'});
		await writeResult(home, 'reviewer', 'review', {status: 'succeeded', result: 'looks good', costUsd: 0.1, task: {prompt: 'Review the parser'}});

		const listed = await client.callTool('list', {});
		expect(listed.json).toMatchObject({total: 2, more: false});
		expect(listed.json.tasks).toEqual(expect.arrayContaining([
			expect.objectContaining({worker: 'coder', id: 'parser', state: 'pending', prompt: 'Refactor the parser'}),
			expect.objectContaining({worker: 'reviewer', id: 'review', state: 'succeeded', costUsd: 0.1, error: null}),
		]));
		expect((await client.callTool('list', {state: 'succeeded'})).json.tasks.map((task: {id: string}) => task.id)).toEqual(['review']);
		expect((await client.callTool('list', {worker: 'reviewer', limit: 1})).json).toMatchObject({tasks: [{id: 'review'}], total: 1});
		expect(await client.callTool('list', {worker: 'ghost'})).toMatchObject({isError: true, text: expect.stringContaining('no worker named "ghost"')});
		expect(await client.callTool('list', {state: 'sleeping'})).toMatchObject({isError: true, text: expect.stringContaining('state:')});

		const canceled = await client.callTool('cancel', {id: 'parser'});
		expect(canceled).toMatchObject({isError: false, json: {worker: 'coder', id: 'parser', outcome: 'canceled'}});
		expect((await client.callTool('wait_for_result', {worker: 'coder', id: 'parser', timeoutSeconds: 5})).json).toMatchObject({status: 'canceled'});
		expect(await client.callTool('retry', {id: 'review'})).toMatchObject({isError: true, text: expect.stringContaining('is succeeded; only failed, dead, canceled tasks are retried')});

		const retried = await client.callTool('retry', {worker: 'coder', id: 'parser'});
		expect(retried).toMatchObject({isError: false, json: {outcome: 'queued'}});
		expect(await readJson(path.join(home, 'tasks', 'coder', 'parser.json'))).toMatchObject({prompt: 'Refactor the parser'});
		const shown = await client.callTool('show', {id: 'parser'});
		expect(shown.json).toMatchObject({worker: 'coder', id: 'parser', state: 'pending', files: {task: 'tasks/coder/parser.json'}, task: {prompt: 'Refactor the parser'}, result: null});
		expect((await client.callTool('show', {worker: 'reviewer', id: 'review'})).json).toMatchObject({state: 'succeeded', result: {result: 'looks good'}});
		expect(await client.callTool('show', {id: 'ghost'})).toMatchObject({isError: true, text: expect.stringContaining('no task "ghost"')});
		expect(await client.callTool('cancel', {id: 'ghost', worker: 'nobody'})).toMatchObject({isError: true, text: expect.stringContaining('no worker named "nobody"')});
	});

	test('outside a spool home the server still starts, and each tool says what is missing', async () => {
		const empty = await fs.mkdtemp(path.join((await import('node:os')).tmpdir(), 'spool-nohome-'));
		client = new McpClient(empty);
		expect((await client.initialize()).result.protocolVersion).toBe('2025-11-25');
		expect(await client.callTool('workers', {})).toMatchObject({isError: true, text: expect.stringContaining('cannot read the config')});
		expect(await fs.readdir(empty)).toEqual([]);
	});
});
