import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiRequest, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, CLAUDE_BIN, makeHome, readJson, SPOOL_BIN, spool} from './helpers/home.ts';

let api: FakeApi;

beforeAll(async () => {
	api = await startFakeApi(request => {
		const turn = request.toolResults;
		if (request.prompt.includes('HAND OFF')) {
			return turn === 0 ? {tool: 'mcp__spool__submit', input: {worker: 'coder', prompt: 'Summarise the changelog', id: 'from-session'}} : {text: 'queued it'};
		}

		if (request.prompt.includes('BAD SUBMIT')) {
			return turn === 0 ? {tool: 'mcp__spool__submit', input: {worker: 'nobody', prompt: 'hi'}} : {text: 'saw the error'};
		}

		if (request.prompt.includes('ROUND TRIP')) {
			const calls = [{tool: 'mcp__spool__submit', input: {worker: 'coder', prompt: 'COUNT THE PLANETS', id: 'planets'}}, {tool: 'mcp__spool__wait_for_result', input: {worker: 'coder', id: 'planets', timeoutSeconds: 60}}];
			return calls[turn] ?? {text: 'collected'};
		}

		return {text: request.prompt.includes('COUNT THE PLANETS') ? 'eight planets' : 'ok'};
	});
});

afterAll(async () => {
	await api.close();
});

/**
 * The real claude CLI as a person's own session would run it, with `spool mcp` as its MCP server (a
 * config like the one `claude mcp add` writes), in a project folder of its own. ENABLE_TOOL_SEARCH=false
 * sends the MCP tools' schemas with every request, where the stand-in can see them.
 */
async function runSession(home: string, prompt: string, allowedTools: string[]) {
	const project = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-session-')));
	const mcpConfig = path.join(project, 'mcp.json');
	await fs.writeFile(mcpConfig, JSON.stringify({mcpServers: {spool: {command: process.execPath, args: [SPOOL_BIN, 'mcp'], env: {SPOOL_HOME: home}}}}));
	const first = api.requests.length;
	const run = await execa(CLAUDE_BIN, ['-p', '--output-format', 'json', '--mcp-config', mcpConfig, '--strict-mcp-config', '--allowedTools', allowedTools.join(',')], {
		input: prompt,
		cwd: project,
		env: {...apiEnv(api.url), CLAUDE_CONFIG_DIR: path.join(project, '.claude'), ENABLE_TOOL_SEARCH: 'false'},
		reject: false,
		timeout: 60_000,
	});
	expect(run.exitCode, run.stderr).toBe(0);
	return {output: JSON.parse(run.stdout) as Record<string, unknown>, requests: api.requests.slice(first).filter(request => request.prompt.includes(prompt))};
}

/** The tool_result blocks of the request's last message: what the CLI sent back after running a tool. */
function toolResultsOf(request: ApiRequest): Array<{text: string; isError: boolean}> {
	const last = (request.body.messages as Array<{content: unknown}>).at(-1)!;
	return (Array.isArray(last.content) ? last.content : [])
		.filter(block => block.type === 'tool_result')
		.map(block => ({
			text: typeof block.content === 'string' ? block.content : (block.content as Array<{text?: string}>).map(part => part.text ?? '').join(''),
			isError: block.is_error === true,
		}));
}

describe('spool mcp with the real claude CLI', () => {
	test('the session calls mcp__spool__submit: the task lands in tasks/coder/ with its prompt and the tool result names its id', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const {output, requests} = await runSession(home, 'HAND OFF the changelog', ['mcp__spool__submit']);
		expect(output).toMatchObject({is_error: false, result: 'queued it', num_turns: 2});
		const schema = (requests[0]!.body.tools as Array<{name: string; input_schema: any}>).find(tool => tool.name === 'mcp__spool__submit')?.input_schema;
		expect(schema).toMatchObject({type: 'object', required: ['worker', 'prompt']});
		expect(requests[0]!.tools).toEqual(expect.arrayContaining(['mcp__spool__wait_for_result', 'mcp__spool__workers']));

		const file = path.join(home, 'tasks', 'coder', 'from-session.json');
		expect(await readJson(file)).toEqual({prompt: 'Summarise the changelog'});
		const [result] = toolResultsOf(requests[1]!);
		expect(result!.isError).toBe(false);
		expect(JSON.parse(result!.text)).toEqual({worker: 'coder', id: 'from-session', file});
	}, 90_000);

	test('a bad submit comes back to the model as an error result that names the problem', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const {output, requests} = await runSession(home, 'BAD SUBMIT please', ['mcp__spool__submit']);
		expect(output).toMatchObject({is_error: false, result: 'saw the error'});
		const [result] = toolResultsOf(requests[1]!);
		expect(result).toMatchObject({isError: true, text: expect.stringContaining('no worker named "nobody"')});
		await expect(fs.readdir(path.join(home, 'tasks'))).rejects.toThrow();
	}, 90_000);

	test('round trip (allowed by the server name alone, mcp__spool): the session submits, a worker loop runs it with its own claude, and wait_for_result brings the answer back', async () => {
		const home = await makeHome({workers: {coder: {}}});
		const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			const {output, requests} = await runSession(home, 'ROUND TRIP to the fleet', ['mcp__spool']);
			expect(output).toMatchObject({is_error: false, result: 'collected', num_turns: 3});
			expect(JSON.parse(toolResultsOf(requests[1]!)[0]!.text)).toMatchObject({worker: 'coder', id: 'planets'});
			const collected = toolResultsOf(requests[2]!)[0]!;
			expect(collected.isError).toBe(false);
			expect(JSON.parse(collected.text)).toMatchObject({worker: 'coder', id: 'planets', status: 'succeeded', result: 'eight planets', error: null, numTurns: 1});
			expect(JSON.parse(collected.text).costUsd).toBeGreaterThan(0);
		} finally {
			worker.kill('SIGTERM');
			await worker;
		}
	}, 90_000);
});
