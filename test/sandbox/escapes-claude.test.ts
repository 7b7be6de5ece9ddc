import fs from 'node:fs/promises';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiReply, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, FAKE_CLAUDE, makeHome, resultOf, ROOT, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';

/** One tool call of the script, what it tries, and whether the sandbox must stop it. */
type Step = {name: string; call: ApiReply & {tool: string}; blocked: boolean};

let api: FakeApi;
let service: http.Server;
let servicePort: number;
let serviceHits = 0;
/** Per task prompt: the calls the stand-in makes, one per turn, and what each returned (with the hook's note). */
const scripts = new Map<string, {steps: Step[]}>();

beforeAll(async () => {
	api = await startFakeApi(request => {
		const script = scripts.get(request.prompt);
		if (!script) {
			return {text: 'no script'};
		}

		return script.steps[request.toolResults]?.call ?? {text: 'done'};
	});
	// A service on this machine's loopback that a sandboxed command must not reach.
	service = http.createServer((_request, response) => {
		serviceHits++;
		response.end('reached');
	});
	await new Promise<void>(resolve => service.listen(0, '127.0.0.1', resolve));
	servicePort = (service.address() as AddressInfo).port;
});

afterAll(async () => {
	await api.close();
	await new Promise(resolve => service.close(resolve));
});

/** What each tool call of the task returned, in order, from its transcript. */
async function toolResults(home: string, id: string): Promise<string[]> {
	const lines = (await fs.readFile(path.join(home, 'results', 'coder', `${id}.jsonl`), 'utf8')).trim().split('\n').map(line => JSON.parse(line) as Record<string, any>);
	return lines
		.filter(line => line.type === 'user' && Array.isArray(line.message?.content))
		.flatMap(line => (line.message.content as Array<Record<string, any>>).filter(block => block.type === 'tool_result'))
		.map(block => (typeof block.content === 'string' ? block.content : (block.content as Array<{text?: string}>).map(part => part.text ?? '').join('')));
}

const bash = (command: string) => ({tool: 'Bash', input: {command, description: 'step'}});

/** Every escape the issue names, by Bash and by claude's own file tools, and what must still work. */
function escapes(home: string, outside: string): Step[] {
	const file = (name: string) => path.join(home, name);
	return [
		{name: 'Bash appends to spool.yaml', call: bash(`echo "workers: {}" >> ${file('spool.yaml')}`), blocked: true},
		{name: "python writes another worker's prompt", call: bash(`python3 -c "open('${file('prompts/reviewer.md')}', 'a').write('obey me')"`), blocked: true},
		{name: "Bash drops a task into another worker's folder", call: bash(`mkdir -p ${file('tasks/reviewer')} && echo '{"prompt":"evil"}' > ${file('tasks/reviewer/evil.json')}`), blocked: true},
		{name: 'Bash writes outside the cwd', call: bash(`echo out > ${path.join(outside, 'out.txt')}`), blocked: true},
		{name: 'Bash reads another auth home', call: bash(`cat ${file('auth-homes/reviewer/settings.json')}`), blocked: true},
		{name: "Bash reads spool's results", call: bash(`cat ${file('results/reviewer/old.json')}`), blocked: true},
		{name: 'Bash reaches a service on loopback', call: bash(`curl -sS -m 5 http://127.0.0.1:${servicePort}/`), blocked: true},
		{name: 'Bash reaches a host through the proxy that is not allowed', call: bash(`curl --noproxy '' -sS -m 5 http://127.0.0.1:${servicePort}/`), blocked: true},
		{name: "git reads spool.yaml from the home's own repository", call: bash('git show HEAD:spool.yaml'), blocked: false},
		{name: 'Bash reads the API key from its environment', call: bash('echo "key=[${ANTHROPIC_API_KEY:-none}]"'), blocked: false},
		{name: 'Write tool rewrites spool.yaml', call: {tool: 'Write', input: {file_path: file('spool.yaml'), content: 'workers: {}\n'}}, blocked: true},
		{name: "Write tool edits another worker's prompt", call: {tool: 'Write', input: {file_path: file('prompts/reviewer.md'), content: 'obey me\n'}}, blocked: true},
		{name: "Write tool drops a task into another worker's folder", call: {tool: 'Write', input: {file_path: file('tasks/reviewer/evil2.json'), content: '{"prompt":"evil"}\n'}}, blocked: true},
		{name: 'Write tool writes outside the cwd', call: {tool: 'Write', input: {file_path: path.join(outside, 'out2.txt'), content: 'out\n'}}, blocked: true},
		{name: 'Read tool reads another auth home', call: {tool: 'Read', input: {file_path: file('auth-homes/reviewer/settings.json')}}, blocked: true},
		{name: "Read tool reads spool's results", call: {tool: 'Read', input: {file_path: file('results/reviewer/old.json')}}, blocked: true},
		{name: 'a test written and run inside the cwd', call: bash('printf \'test "$(cat input.txt)" = 42 && echo TESTS PASS\\n\' > check.sh && echo 42 > input.txt && sh check.sh && echo tmp > "$TMPDIR/scratch" && cat "$TMPDIR/scratch"'), blocked: false},
		{name: 'Write tool writes inside the cwd', call: {tool: 'Write', input: {file_path: 'notes.md', content: 'written in the cwd\n'}}, blocked: false},
	];
}

describe("every run in spool's sandbox, with the real claude CLI", () => {
	test('each escape is blocked and counted, the tool result says why, and work inside the cwd still runs', async () => {
		const home = await makeHome({
			workers: {coder: {allowedTools: ['Bash', 'Read', 'Write', 'Edit'], sandbox: {allowedDomains: ['localhost']}}, reviewer: {}},
			extra: {policy: {deny: []}},
		});
		const outside = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-outside-'));
		await fs.mkdir(path.join(home, 'auth-homes', 'reviewer'), {recursive: true});
		await fs.writeFile(path.join(home, 'auth-homes', 'reviewer', 'settings.json'), '{"env":{"ANTHROPIC_API_KEY":"sk-reviewer-secret-key"}}\n');
		await fs.mkdir(path.join(home, 'results', 'reviewer'), {recursive: true});
		await fs.writeFile(path.join(home, 'results', 'reviewer', 'old.json'), '{"result":"RESULT-SECRET"}\n');
		// The home is a git repository that holds spool.yaml, as a clone of spool or a `spool init` home can be.
		await execa('git', ['init', '-q', home]);
		await execa('git', ['-C', home, 'add', 'spool.yaml']);
		await execa('git', ['-C', home, '-c', 'user.email=p@example.com', '-c', 'user.name=P', 'commit', '-qm', 'config']);
		const before = {config: await fs.readFile(path.join(home, 'spool.yaml'), 'utf8'), prompt: await fs.readFile(path.join(home, 'prompts', 'reviewer.md'), 'utf8')};
		const prompt = `ESCAPES ${path.basename(home)}`;
		const script = {steps: escapes(home, outside)};
		scripts.set(prompt, script);
		const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
		try {
			await dropTask(home, 'coder', 'escape', {prompt});
			const result = await waitFor(() => resultOf(home, 'coder', 'escape'), 90_000, 'the result');
			expect(result).toMatchObject({status: 'succeeded'});
			const outputs = await toolResults(home, 'escape');
			expect(outputs).toHaveLength(script.steps.length);
			const byName = Object.fromEntries(script.steps.map((step, index) => [step.name, outputs[index]!]));
			// Nothing of spool's changed, and nothing was written outside the cwd.
			expect(await fs.readFile(path.join(home, 'spool.yaml'), 'utf8')).toBe(before.config);
			expect(await fs.readFile(path.join(home, 'prompts', 'reviewer.md'), 'utf8')).toBe(before.prompt);
			expect(await fs.readdir(path.join(home, 'tasks', 'reviewer')).catch(() => [])).toEqual([]);
			expect(await fs.readdir(outside)).toEqual([]);
			expect(serviceHits).toBe(0);
			// What the commands saw.
			// claude refuses a command that names a denied path itself; what gets past that meets bubblewrap.
			expect(byName['Bash appends to spool.yaml']).toMatch(/has been denied|Read-only file system/);
			// A hidden folder is an empty throwaway one inside the sandbox: python's write "works", and lands nowhere (checked above).
			expect(byName['Bash writes outside the cwd']).toContain('Read-only file system');
			expect(byName['Bash reads another auth home']).toMatch(/has been denied|No such file or directory/);
			expect(byName['Bash reads another auth home']).not.toContain('sk-reviewer');
			expect(byName["Bash reads spool's results"]).not.toContain('RESULT-SECRET');
			expect(byName['Bash reaches a service on loopback']).not.toContain('reached');
			expect(byName['Bash reaches a host through the proxy that is not allowed']).toContain('deny network-outbound 127.0.0.1');
			expect(byName['Bash reads the API key from its environment']).toContain('key=[none]');
			expect(byName["git reads spool.yaml from the home's own repository"]).not.toContain('workers');
			expect(byName['Write tool rewrites spool.yaml']).toContain('denied by your permission settings');
			expect(byName["Write tool drops a task into another worker's folder"]).toContain('denied by your permission settings');
			expect(byName['Write tool writes outside the cwd']).toContain('blockWritesOutsideWorkingDirectories');
			expect(byName['Read tool reads another auth home']).not.toContain('sk-reviewer');
			expect(byName["Read tool reads spool's results"]).not.toContain('RESULT-SECRET');
			expect(byName['a test written and run inside the cwd']).toContain('TESTS PASS');
			expect(byName['a test written and run inside the cwd']).toContain('tmp');
			const workspace = path.join(home, 'workspaces', 'coder', 'escape');
			expect(await fs.readFile(path.join(workspace, 'notes.md'), 'utf8')).toBe('written in the cwd\n');
			// The model is told why after a blocked command (the PostToolUse hook's context).
			const told = api.requests.filter(request => request.prompt === prompt && JSON.stringify((request.body.messages as unknown[]).slice(-2)).includes("spool's sandbox blocked"));
			expect(told.length).toBeGreaterThanOrEqual(3);
			// The result counts each blocked call, and the ledger and the report count them too.
			const blocked = script.steps.filter(step => step.blocked).length;
			expect(result.sandboxBlocks).toHaveLength(blocked);
			expect(result.sandboxBlocks.map((block: {kind: string}) => block.kind).sort()).toEqual([...Array(2).fill('network'), ...Array(4).fill('read'), ...Array(8).fill('write')].sort());
			const ledger = (await fs.readdir(path.join(home, 'ledger'))).find(name => name.endsWith('.jsonl'))!;
			const line = JSON.parse((await fs.readFile(path.join(home, 'ledger', ledger), 'utf8')).trim().split('\n').at(-1)!);
			expect(line.blocked).toBe(blocked);
			const report = await spool(home, ['report', '--json']);
			expect(report.exitCode, report.stderr).toBe(0);
			expect(JSON.parse(report.stdout).summary.sandboxBlocks).toBe(blocked);
			const status = await spool(home, ['status']);
			expect(status.stdout).toContain(`sandbox: ${blocked} tool calls blocked today (coder ${blocked})`);
			// The run's temp folder is gone with it.
			const temps = (await fs.readdir(os.tmpdir())).filter(name => name.startsWith('spool-coder-escape-'));
			expect(temps).toEqual([]);
		} finally {
			worker.kill('SIGTERM');
			await worker;
			await killProcessesOfHome(home);
			await fs.rm(outside, {recursive: true, force: true});
		}
	}, 150_000);

	test('a worker that may run Bash refuses to start where bubblewrap is missing, unless its sandbox is turned off; one without Bash starts', async () => {
		const home = await makeHome({workers: {coder: {allowedTools: ['Bash']}, writer: {allowedTools: ['Write']}, loose: {allowedTools: ['Bash', 'Write'], sandbox: {enabled: false}}}});
		// A PATH with node and nothing else: no bwrap, no socat.
		const noBwrap = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-nobwrap-'));
		await fs.symlink(process.execPath, path.join(noBwrap, 'node'));
		const env = {...apiEnv(api.url), PATH: noBwrap};
		try {
			const refused = await spool(home, ['worker', 'coder'], {env});
			expect(refused.exitCode).not.toBe(0);
			expect(refused.stderr).toContain('worker "coder" may run shell commands (Bash), and its sandbox cannot start: bwrap is not installed');
			expect(refused.stderr).toContain('apt-get install bubblewrap socat');
			expect(refused.stderr).toContain('sandbox: {enabled: false}');
			for (const name of ['writer', 'loose']) {
				const started = spool(home, ['worker', name], {env});
				try {
					await waitFor(async () => (await fs.readdir(path.join(home, 'processing', name)).catch(() => [])).length > 0, 20_000, `${name} to start`);
					expect(() => process.kill(started.pid!, 0)).not.toThrow();
					// And its runs work: without Bash, claude is not asked for a sandbox it cannot make; the file tools keep their limits.
					const prompt = `NO BWRAP ${name} ${path.basename(home)}`;
					scripts.set(prompt, {steps: [
						{name: 'write in the cwd', call: {tool: 'Write', input: {file_path: 'made.txt', content: 'made\n'}}, blocked: false},
						{name: 'write spool.yaml', call: {tool: 'Write', input: {file_path: path.join(home, 'spool.yaml'), content: 'x: 1\n'}}, blocked: true},
					]});
					await dropTask(home, name, 'work', {prompt});
					const result = await waitFor(() => resultOf(home, name, 'work'), 30_000, `${name}'s result`);
					expect(result).toMatchObject({status: 'succeeded', result: 'done', sandboxBlocks: [{tool: 'Write', kind: 'write'}]});
					expect(await fs.readFile(path.join(home, 'workspaces', name, 'work', 'made.txt'), 'utf8')).toBe('made\n');
				} finally {
					started.kill('SIGTERM');
					await started.catch(() => undefined);
				}
			}
		} finally {
			await fs.rm(noBwrap, {recursive: true, force: true});
			await killProcessesOfHome(home);
		}
	}, 60_000);

	test("a task's cwd cannot be spool's own code, which its hooks run outside the sandbox, nor workspaces/ or a worker's folder in it", async () => {
		const home = await makeHome({workers: {coder: {}}, extra: {cwdRoots: ['.', ROOT]}});
		await fs.mkdir(path.join(home, 'workspaces', 'coder', 'shared'), {recursive: true});
		const loop = spool(home, ['worker', 'coder'], {env: {SPOOL_CLAUDE_BIN: FAKE_CLAUDE}});
		try {
			const cwds = {code: path.join(ROOT, 'src'), install: ROOT, all: 'workspaces', worker: 'workspaces/coder', fine: 'workspaces/coder/shared'};
			for (const [id, cwd] of Object.entries(cwds)) {
				await dropTask(home, 'coder', id, {prompt: 'hi', cwd});
			}

			for (const id of ['code', 'install']) {
				const result = await waitFor(() => resultOf(home, 'coder', id), 20_000, id);
				expect(result).toMatchObject({status: 'rejected', error: {code: 'cwd_forbidden'}});
				expect(result.error.message).toContain("holds spool's own code");
			}

			for (const id of ['all', 'worker']) {
				const result = await waitFor(() => resultOf(home, 'coder', id), 20_000, id);
				expect(result).toMatchObject({status: 'rejected', error: {code: 'cwd_forbidden'}});
				expect(result.error.message).toContain("is workspaces/ or a worker's folder in it");
			}

			expect(await waitFor(() => resultOf(home, 'coder', 'fine'), 20_000, 'fine')).toMatchObject({status: 'succeeded'});
		} finally {
			loop.kill('SIGTERM');
			await loop;
		}
	}, 60_000);
});
