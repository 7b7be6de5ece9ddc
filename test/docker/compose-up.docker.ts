import fs from 'node:fs/promises';
import path from 'node:path';
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {execa} from 'execa';
import {parse, stringify} from 'yaml';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiRequest, type FakeApi} from '../fixtures/fake-api.ts';
import {resultOf, ROOT, waitFor} from '../helpers/home.ts';
import {isPlannerRequest, lastUserText, workflowResult} from '../helpers/workflows.ts';
import {createComposeProject, dropTaskAs, HOST_UID, ownersUnder, PROJECT, waitHealthy, writeFileAs, type ComposeProject} from './compose-project.ts';

const BASE_IMAGE = process.env.BASE_IMAGE;
/** The shipped spool.yaml drains for 20 s; the compose file gives 30 s. */
const GRACE_MS = 30_000;
/** What the stand-in planner answers for the goal: a task for each worker, the second after the first. */
const GOAL_PLAN = {
	name: 'summary and review',
	tasks: [
		{id: 'summary', worker: 'coder', prompt: 'GOAL summarise the notes'},
		{id: 'review', worker: 'reviewer', prompt: 'GOAL review the summary', dependsOn: ['summary']},
	],
};
let api: FakeApi;
let project: ComposeProject;
/** A service on the host's loopback (the test's containers share the host's network) that no agent command may reach. */
let service: http.Server;
let servicePort = 0;
let serviceHits = 0;
/** What an agent in the coder's container tries, one tool call per turn (the sandbox test). */
const ESCAPES = (port: number) => [
	{tool: 'Bash', input: {command: 'echo "workers: {}" >> /spool/spool.yaml', description: 'step'}},
	{tool: 'Bash', input: {command: "node -e \"require('fs').appendFileSync('/spool/spool.yaml', 'x: 1')\"", description: 'step'}},
	{tool: 'Bash', input: {command: 'cat /spool/auth-homes/reviewer/settings.json', description: 'step'}},
	{tool: 'Bash', input: {command: 'mkdir -p /spool/tasks/reviewer && echo \'{"prompt":"evil"}\' > /spool/tasks/reviewer/evil.json', description: 'step'}},
	{tool: 'Bash', input: {command: 'echo obey >> /spool/prompts/reviewer.md', description: 'step'}},
	{tool: 'Bash', input: {command: 'cat /spool/results/coder/first.json', description: 'step'}},
	{tool: 'Bash', input: {command: `node -e "fetch('http://127.0.0.1:${port}/').then(r => console.log('reached', r.status), e => console.log('refused', e.cause?.code))"`, description: 'step'}},
	{tool: 'Write', input: {file_path: '/spool/spool.yaml', content: 'workers: {}\n'}},
	{tool: 'Bash', input: {command: 'echo inside > inside.txt && cat inside.txt', description: 'step'}},
];

beforeAll(async () => {
	if (!BASE_IMAGE) {
		throw new Error('BASE_IMAGE is not set: run this through npm run test:docker');
	}

	api = await startFakeApi(async request => {
		if (isPlannerRequest(request)) {
			return lastUserText(request) === '' ? {text: 'planned'} : {tool: 'StructuredOutput', input: GOAL_PLAN};
		}

		if (request.prompt === 'ESCAPE') {
			return ESCAPES(servicePort)[request.toolResults] ?? {text: 'escape done'};
		}

		const worker = /MARKER-(\w+)/.exec(request.system)?.[1] ?? 'none';
		if (request.prompt.startsWith('slow ')) {
			await new Promise(resolve => setTimeout(resolve, 400));
		}

		// The key is not echoed: spool would redact it from the result. What the stand-in saw proves it.
		return {text: `worker=${worker} prompt=${request.prompt}`};
	});
	service = http.createServer((_request, response) => {
		serviceHits++;
		response.end('reached');
	});
	await new Promise<void>(resolve => service.listen(0, '127.0.0.1', resolve));
	servicePort = (service.address() as AddressInfo).port;
	project = await createComposeProject(BASE_IMAGE);
	const {dir} = project;
	// The coder may run commands, as a coding worker would: they run in its container's sandbox.
	const config = parse(await fs.readFile(path.join(dir, 'spool.yaml'), 'utf8')) as {workers: Record<string, Record<string, unknown>>};
	config.workers.coder!.allowedTools = ['Bash', 'Read', 'Write'];
	await fs.writeFile(path.join(dir, 'spool.yaml'), stringify(config));
	await execa('docker-compose', ['-p', PROJECT, '-f', 'docker-compose.claude-cli.yml', '-f', 'docker-compose.test.yml', 'down', '--remove-orphans'], {cwd: dir, reject: false});
	// Per-worker credentials and switches in each auth home; the API's address from the optional .env.
	for (const worker of ['coder', 'reviewer', 'orchestrator']) {
		await fs.appendFile(path.join(dir, 'prompts', `${worker}.md`), `\nYou are MARKER-${worker}.\n`);
		const env = {ANTHROPIC_API_KEY: `sk-${worker}-key`, DISABLE_TELEMETRY: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', CLAUDE_CODE_MAX_RETRIES: '1'};
		await fs.mkdir(path.join(dir, 'auth-homes', worker), {recursive: true});
		await fs.writeFile(path.join(dir, 'auth-homes', worker, 'settings.json'), JSON.stringify({env}), {mode: 0o600});
	}

	await fs.writeFile(path.join(dir, '.env'), `ANTHROPIC_BASE_URL=${api.url}\n`);
	// The clone is the host user's; the reviewer's auth home stays root's, as a sudo or Docker leaves it.
	await execa('chown', ['-R', `${HOST_UID}:${HOST_UID}`, dir]);
	await execa('chown', ['-R', '0:0', path.join(dir, 'auth-homes', 'reviewer')]);
});

afterAll(async () => {
	if (project) {
		const logs = await project.compose(['logs', '--no-color', '--tail', '20'], {reject: false});
		console.log(`docker-compose logs (tail):\n${logs.stdout}`);
		await project.compose(['down', '--remove-orphans'], {reject: false});
		await fs.rm(project.dir, {recursive: true, force: true});
	}

	await api?.close();
	await new Promise(resolve => service?.close(resolve));
});

/** Which worker's system prompt, which key and which task prompt one API request carried. */
function seenBy(request: ApiRequest): string {
	return `${/MARKER-\w+/.exec(request.system)?.[0] ?? 'no marker'} ${request.apiKey} ${request.prompt}`;
}

describe('docker-compose.claude-cli.yml on a real engine', () => {
	test('the image builds and holds no credentials, tasks or results of the clone', async () => {
		const started = Date.now();
		await project.compose(['build']);
		console.log(`compose build: ${((Date.now() - started) / 1000).toFixed(1)} s`);
		const image = `${PROJECT}_worker-coder`;
		const listing = await project.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'ls', image, '-A', '/opt/spool']);
		expect(listing.split('\n').sort()).toEqual(['bin', 'node_modules', 'package-lock.json', 'package.json', 'src']);
		const grep = await execa('docker', ['run', '--rm', '--network', 'none', '--entrypoint', 'grep', image, '-rlq', 'sk-coder-key', '/opt', '/home', '/spool'], {reject: false});
		expect(grep.exitCode).toBe(1); // grep: nothing found
		const config = JSON.parse(await project.docker(['inspect', '--format', '{{json .Config}}', image])) as Record<string, unknown>;
		expect(config).toMatchObject({Entrypoint: ['spool'], Cmd: ['worker'], Healthcheck: {Test: ['CMD', 'spool', 'health']}});
	});

	// Before up: docker-compose 1.29 cannot `run` a host-network service while its containers run
	// (docker/compose#4548); the shipped file uses no host network, so users are not affected.
	test('spool login --status through docker-compose run uses that worker\'s auth home', async () => {
		for (const worker of ['coder', 'reviewer']) {
			const status = await project.compose(['run', '--rm', '-T', `worker-${worker}`, 'login', '--status']);
			expect(status.stdout).toContain('API key: ANTHROPIC_API_KEY');
		}

		// The reviewer's root-owned auth home was handed over to the clone's owner.
		expect((await fs.stat(path.join(project.dir, 'auth-homes', 'reviewer', 'settings.json'))).uid).toBe(HOST_UID);
		expect(await project.containers()).toEqual([]);
	});

	test('compose up: a task dropped by hand for each worker runs with that worker\'s prompt and auth home', async () => {
		const started = Date.now();
		await project.compose(['up', '-d']);
		console.log(`compose up -d: ${((Date.now() - started) / 1000).toFixed(1)} s`);
		await waitHealthy(project, await project.containers());
		console.log(`healthy: ${((Date.now() - started) / 1000).toFixed(1)} s`);
		await dropTaskAs(HOST_UID, project.dir, 'coder', 'first', {prompt: 'Summarise README.md'});
		await dropTaskAs(0, project.dir, 'reviewer', 'second', {prompt: 'dropped by root'});
		const coder = await waitFor(() => resultOf(project.dir, 'coder', 'first'), 120_000, 'the coder result');
		const reviewer = await waitFor(() => resultOf(project.dir, 'reviewer', 'second'), 120_000, 'the reviewer result');
		expect(coder).toMatchObject({status: 'succeeded', attempts: 1, result: 'worker=coder prompt=Summarise README.md'});
		expect(reviewer).toMatchObject({status: 'succeeded', attempts: 1, result: 'worker=reviewer prompt=dropped by root'});
		console.log(`results: ${((Date.now() - started) / 1000).toFixed(1)} s; claude ran ${coder.durationMs} ms and ${reviewer.durationMs} ms`);
		expect(coder.cwd).toBe('/spool/workspaces/coder/first');
		expect(api.requests.map(seenBy).sort()).toEqual(['MARKER-coder sk-coder-key Summarise README.md', 'MARKER-reviewer sk-reviewer-key dropped by root']);

		// Each service sees its own auth home and nothing else of auth-homes/.
		const seen = async (service: string) => (await project.compose(['exec', '-T', service, 'ls', '-A', '/spool/auth-homes'])).stdout.split('\n').filter(Boolean);
		expect(await seen('worker-coder')).toEqual(['coder']);
		expect(await seen('worker-reviewer')).toEqual(['reviewer']);
		expect(await seen('orchestrator')).toEqual(['orchestrator']); // its planner's
		// spool runs as the clone's owner, not as root.
		const [coderContainer] = await project.containers('worker-coder');
		const top = await project.docker(['top', coderContainer!, '-eo', 'pid,uid,args']);
		// bin/spool.js's shebang may pass node flags (--max-semi-space-size) before the script.
		expect(top).toMatch(new RegExp(`^\\s*\\d+\\s+${HOST_UID}\\s+node (?:--\\S+ )*/usr/local/bin/spool worker\\s*$`, 'm'));
	});

	test("in a worker's container, an agent's commands and file tools cannot touch spool.yaml, prompts, another worker's queue or auth home, results, or the host's services", async () => {
		const before = {config: await fs.readFile(path.join(project.dir, 'spool.yaml'), 'utf8'), prompt: await fs.readFile(path.join(project.dir, 'prompts', 'reviewer.md'), 'utf8')};
		await dropTaskAs(HOST_UID, project.dir, 'coder', 'escape', {prompt: 'ESCAPE'});
		const result = await waitFor(() => resultOf(project.dir, 'coder', 'escape'), 120_000, 'the escape result');
		expect(result).toMatchObject({status: 'succeeded', result: 'escape done'});
		const transcript = (await fs.readFile(path.join(project.dir, 'results', 'coder', 'escape.jsonl'), 'utf8')).trim().split('\n').map(line => JSON.parse(line) as Record<string, any>);
		const outputs = transcript
			.filter(line => line.type === 'user' && Array.isArray(line.message?.content))
			.flatMap(line => (line.message.content as Array<Record<string, any>>).filter(block => block.type === 'tool_result'))
			.map(block => (typeof block.content === 'string' ? block.content : (block.content as Array<{text?: string}>).map(part => part.text ?? '').join('')));
		console.log(`in the container:\n${outputs.map((output, index) => `  ${ESCAPES(servicePort)[index]!.tool} ${JSON.stringify(ESCAPES(servicePort)[index]!.input).slice(0, 90)}\n    -> ${output.replace(/\s+/g, ' ').slice(0, 160)}`).join('\n')}`);
		expect(outputs).toHaveLength(ESCAPES(servicePort).length);
		expect(await fs.readFile(path.join(project.dir, 'spool.yaml'), 'utf8')).toBe(before.config);
		expect(await fs.readFile(path.join(project.dir, 'prompts', 'reviewer.md'), 'utf8')).toBe(before.prompt);
		expect(await fs.readdir(path.join(project.dir, 'tasks', 'reviewer'))).toEqual([]);
		expect(outputs[2]).not.toContain('sk-reviewer-key');
		expect(outputs[5]).not.toContain('worker=coder');
		expect(outputs[6]).not.toContain('reached');
		expect(serviceHits).toBe(0);
		expect(outputs[7]).toContain('denied by your permission settings');
		expect(outputs[8]).toBe('inside');
		expect(await fs.readFile(path.join(project.dir, 'workspaces', 'coder', 'escape', 'inside.txt'), 'utf8')).toBe('inside\n');
		// Counted in the result: at least the writes to spool.yaml, the task, the prompt, the connection and the Write tool's.
		expect(result.sandboxBlocks.length).toBeGreaterThanOrEqual(5);
		// The mounts hold on their own too: another worker's queue is an empty folder in this container, prompts/ is read-only.
		const listed = await project.compose(['exec', '-T', 'worker-coder', 'ls', '-A', '/spool/results/reviewer', '/spool/tasks/reviewer']);
		expect(listed.stdout.split('\n').filter(line => line !== '' && !line.endsWith(':'))).toEqual([]);
		expect(await fs.readdir(path.join(project.dir, 'results', 'reviewer'))).toContain('second.json');
		const touched = await project.compose(['exec', '-T', '--user', String(HOST_UID), 'worker-coder', 'touch', '/spool/prompts/new.md'], {reject: false});
		expect(touched.exitCode).not.toBe(0);
		expect(touched.stderr).toContain('Read-only file system');
		// The sandbox itself ran there: the write claude's own check let through (node's) met bubblewrap's read-only mount.
		expect(outputs[0]).toMatch(/has been denied|Read-only file system/);
		expect(outputs[1]).toMatch(/EROFS|EACCES|read-only/i);
	});

	test('a goal dropped into goals/ is planned in the orchestrator\'s container with its own auth home, and runs', async () => {
		const before = api.requests.length;
		await writeFileAs(HOST_UID, path.join(project.dir, 'goals', 'notes.md'), 'Summarise the notes, then review the summary.\n');
		const result = await workflowResult(project.dir, 'notes', 120_000);
		expect(result).toMatchObject({id: 'notes', status: 'succeeded', counts: {succeeded: 2, failed: 0, skipped: 0}});
		const seen = api.requests.slice(before).map(seenBy);
		expect(seen.filter(line => line.startsWith('MARKER-orchestrator sk-orchestrator-key')).length).toBeGreaterThan(0);
		expect(seen).toContain('MARKER-coder sk-coder-key GOAL summarise the notes');
		expect(seen.some(line => line.startsWith('MARKER-reviewer sk-reviewer-key GOAL review the summary'))).toBe(true);
	});

	test('--scale worker-coder=2: two loops share the queue and no task runs twice', async () => {
		await project.compose(['up', '-d', '--no-recreate', '--scale', 'worker-coder=2']);
		const coders = await project.containers('worker-coder');
		expect(coders).toHaveLength(2);
		await waitHealthy(project, coders);
		const before = api.requests.length;
		const ids = Array.from({length: 8}, (_, index) => `scaled-${index}`);
		for (const id of ids) {
			await dropTaskAs(HOST_UID, project.dir, 'coder', id, {prompt: `slow ${id}`});
		}

		const results = await Promise.all(ids.map(async id => waitFor(() => resultOf(project.dir, 'coder', id), 120_000, `result ${id}`)));
		for (const [index, result] of results.entries()) {
			expect(result).toMatchObject({status: 'succeeded', attempts: 1, result: `worker=coder prompt=slow ${ids[index]}`});
		}

		const seen = api.requests.slice(before).map(seenBy).sort();
		expect(seen).toEqual(ids.map(id => `MARKER-coder sk-coder-key slow ${id}`).sort());
		expect(new Set(results.map(result => result.owner)).size).toBe(2);
	});

	test('a daily budget in spool.yaml holds in every container: once the ledger they all append to reaches it, none of them claims', async () => {
		const ledgerDir = path.join(project.dir, 'ledger');
		const readLedger = async () => {
			const files = (await fs.readdir(ledgerDir)).filter(name => name.endsWith('.jsonl'));
			const text = (await Promise.all(files.map(async name => fs.readFile(path.join(ledgerDir, name), 'utf8')))).join('');
			return text.split('\n').filter(Boolean).map(line => JSON.parse(line) as {worker: string; task: string; costUsd: number; owner?: string});
		};

		const before = await readLedger();
		// Every run so far, in every container, reached the one ledger: the coders' two containers included.
		expect(before.filter(line => line.worker === 'coder').length).toBeGreaterThanOrEqual(9);
		const spentBefore = before.reduce((sum, line) => sum + line.costUsd, 0);
		// A run like the ones this test queues (the sandbox test's run took many turns and costs more).
		const alike = before.filter(line => line.task.startsWith('scaled-'));
		const perRun = alike.reduce((sum, line) => sum + line.costUsd, 0) / alike.length;
		expect(perRun).toBeGreaterThan(0);
		// Room for about three more runs; the running containers follow spool.yaml without a restart.
		const dailyUsd = Number((spentBefore + 2.5 * perRun).toPrecision(6));
		const config = await fs.readFile(path.join(project.dir, 'spool.yaml'), 'utf8');
		await writeFileAs(HOST_UID, path.join(project.dir, 'spool.yaml'), `${config}\nbudget:\n  dailyUsd: ${dailyUsd}\n`);
		await new Promise(resolve => setTimeout(resolve, 2500));
		const ids = Array.from({length: 6}, (_, index) => `budget-${index}`);
		for (const [index, id] of ids.entries()) {
			await dropTaskAs(HOST_UID, project.dir, index % 2 === 0 ? 'coder' : 'reviewer', id, {prompt: `slow ${id}`});
		}

		await waitFor(async () => (await readLedger()).reduce((sum, line) => sum + line.costUsd, 0) >= dailyUsd, 120_000, 'the budget spent');
		await new Promise(resolve => setTimeout(resolve, 4000));
		const after = await readLedger();
		const ran = after.length - before.length;
		// Three loops (two coder containers, one reviewer): each may have had one run under way at the limit.
		expect(ran).toBeGreaterThanOrEqual(3);
		expect(ran).toBeLessThanOrEqual(5);
		await new Promise(resolve => setTimeout(resolve, 3000));
		expect(await readLedger()).toHaveLength(after.length);
		const pending = [...(await fs.readdir(path.join(project.dir, 'tasks', 'coder'))), ...(await fs.readdir(path.join(project.dir, 'tasks', 'reviewer')))].filter(name => name.endsWith('.json'));
		expect(pending).toHaveLength(ids.length - ran);
		const status = await execa(process.execPath, [path.join(ROOT, 'bin', 'spool.js'), 'status', '--json'], {env: {SPOOL_HOME: project.dir}});
		expect(JSON.parse(status.stdout)).toMatchObject({budget: {state: 'halted', dailyUsd}});
		console.log(`budget across containers: $${dailyUsd} allowed, $${after.reduce((sum, line) => sum + line.costUsd, 0).toFixed(6)} spent, ${ran} runs, ${pending.length} tasks left waiting`);
	});

	test('stop drains every container within the grace period; down leaves nothing the host user cannot delete', async () => {
		const ids = await project.containers();
		const started = Date.now();
		await project.compose(['stop']);
		const tookMs = Date.now() - started;
		console.log(`compose stop of ${ids.length} containers: ${(tookMs / 1000).toFixed(1)} s`);
		expect(tookMs).toBeLessThan(GRACE_MS);
		const exits = (await project.docker(['inspect', '--format', '{{.State.ExitCode}}', ...ids])).split('\n');
		expect(exits).toEqual(ids.map(() => '0'));
		await project.compose(['down', '--remove-orphans']);
		expect(await project.containers()).toEqual([]);

		const notOwned = [...(await ownersUnder(project.dir))].filter(([, uid]) => uid !== HOST_UID);
		expect(notOwned).toEqual([]);
		const removed = await execa('setpriv', [`--reuid=${HOST_UID}`, `--regid=${HOST_UID}`, '--clear-groups', 'rm', '-rf', project.dir], {reject: false});
		expect(removed.stderr).toBe('');
		expect(removed.exitCode).toBe(0);
	});
});
