import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {lastToolResult, startFakeApi, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, readJson, resultOf, spool, waitFor} from '../helpers/home.ts';
import {killProcessesOfHome} from '../helpers/processes.ts';

let api: FakeApi;
/** Per task prompt: the Bash commands the stand-in issues, one per turn, and what each call returned. */
const scripts = new Map<string, {commands: string[]; outputs: string[]}>();

beforeAll(async () => {
	api = await startFakeApi(request => {
		const script = scripts.get(request.prompt);
		if (!script) {
			return {text: 'no script'};
		}

		if (request.toolResults > 0) {
			script.outputs[request.toolResults - 1] = lastToolResult(request);
		}

		const command = script.commands[request.toolResults];
		return command === undefined ? {text: 'done'} : {tool: 'Bash', input: {command, description: 'step'}};
	});
});

afterAll(async () => {
	await api.close();
});

/** What each Bash call of the task returned, in order, from its transcript (results/coder/work.jsonl). */
async function toolResults(home: string, id = 'work'): Promise<string[]> {
	const lines = (await fs.readFile(path.join(home, 'results', 'coder', `${id}.jsonl`), 'utf8')).trim().split('\n').map(line => JSON.parse(line) as Record<string, any>);
	return lines
		.filter(line => line.type === 'user' && Array.isArray(line.message?.content))
		.flatMap(line => (line.message.content as Array<Record<string, any>>).filter(block => block.type === 'tool_result'))
		.map(block => (typeof block.content === 'string' ? block.content : (block.content as Array<{text?: string}>).map(part => part.text ?? '').join('')));
}

const git = (cwd: string, ...args: string[]) => execa('git', args, {cwd}).then(run => run.stdout.trim());

/** A repository in the home (a cwd the task may name) with a local bare remote, both at one commit. */
async function repository(home: string, remoteIn = home) {
	const remote = path.join(remoteIn, 'remote.git');
	const repo = path.join(home, 'repo');
	await execa('git', ['init', '-q', '--bare', remote]);
	await execa('git', ['init', '-q', '-b', 'main', repo]);
	await git(repo, 'config', 'user.email', 'person@example.com');
	await git(repo, 'config', 'user.name', 'Person');
	await fs.writeFile(path.join(repo, 'app.txt'), 'one\n');
	await git(repo, 'add', 'app.txt');
	await git(repo, 'commit', '-qm', 'first');
	await git(repo, 'remote', 'add', 'origin', remote);
	await git(repo, 'push', '-q', 'origin', 'main');
	await fs.appendFile(path.join(repo, 'app.txt'), 'two\n'); // The agent's change, uncommitted.
	return {repo, remote, head: await git(repo, 'rev-parse', 'HEAD'), remoteHead: await git(remote, 'rev-parse', 'main')};
}

/** Forms the hook must see through; then a script the hook cannot see, which git's environment stops; then what still runs. */
const FORBIDDEN: Array<[command: string, rule: string]> = [
	['git push origin HEAD:main', 'git'],
	['git add -A && git commit -m "by the agent"', 'git'],
	['true && git push origin HEAD:main', 'git'],
	['false || git push origin HEAD:main', 'git'],
	['echo x; git push origin HEAD:main', 'git'],
	['git status | git push origin HEAD:main', 'git'],
	['echo $(git push origin HEAD:main)', 'git'],
	['echo `git push origin HEAD:main`', 'git'],
	['(git push origin HEAD:main)', 'git'],
	['bash -c "git push origin HEAD:main"', 'git'],
	["sh -c 'git commit -am sneaky'", 'git'],
	['env GIT_TRACE=0 git commit -am sneaky', 'git'],
	['sudo git push origin HEAD:main', 'git'],
	['command git push origin HEAD:main', 'git'],
	['exec git push origin HEAD:main', 'git'],
	['echo HEAD:main | xargs git push origin', 'git'],
	['/usr/bin/git push origin HEAD:main', 'git'],
	['git -C REPO push origin HEAD:main', 'git'],
	['git --git-dir=REPO/.git push origin HEAD:main', 'git'],
	['G=git; $G push origin HEAD:main', 'unreadable'],
];
const SCRIPT = `python3 -c "import subprocess as s; print(s.run(['git','commit','-qam','from python']).returncode, s.run(['git','push','origin','HEAD:main']).returncode)"`;
const ALLOWED = ['git status --short', 'git diff --stat'];

async function runScript(options: {policy?: Record<string, unknown>; remoteIn?: string; commands: (repo: string) => string[]}) {
	// A remote outside the home may be named in the sandbox's allowWrite (nothing in the home may).
	const sandbox = options.remoteIn ? {sandbox: {allowWrite: [path.join(options.remoteIn, 'remote.git')]}} : {};
	const home = await makeHome({workers: {coder: {allowedTools: ['Bash'], ...(options.policy ? {policy: options.policy} : {}), ...sandbox}}});
	const repos = await repository(home, options.remoteIn);
	const prompt = `POLICY ${path.basename(home)}`;
	const script = {commands: options.commands(repos.repo), outputs: [] as string[]};
	scripts.set(prompt, script);
	const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
	try {
		await dropTask(home, 'coder', 'work', {prompt, cwd: 'repo'});
		const result = await waitFor(() => resultOf(home, 'coder', 'work'), 60_000, 'the result');
		return {home, ...repos, script, result};
	} finally {
		worker.kill('SIGTERM');
		await worker;
		await killProcessesOfHome(home);
	}
}

describe("spool's policy with the real claude CLI, a real repository and a local bare remote", () => {
	test('every forbidden form is refused, a script the hook never saw cannot commit or push either, and git status and diff still run', async () => {
		const run = await runScript({commands: repo => [...FORBIDDEN.map(([command]) => command.replaceAll('REPO', repo)), SCRIPT, ...ALLOWED]});
		expect(run.result).toMatchObject({status: 'succeeded'});
		// Nothing reached the remote or the repository's history.
		expect(await git(run.remote, 'rev-parse', 'main')).toBe(run.remoteHead);
		expect(await git(run.repo, 'rev-parse', 'HEAD')).toBe(run.head);
		expect(await git(run.remote, 'for-each-ref', '--format=%(refname)')).toBe('refs/heads/main');
		const outputs = await toolResults(run.home);
		for (const [index, [command]] of FORBIDDEN.entries()) {
			expect(outputs[index], command).toContain("spool's policy");
		}

		expect(outputs[FORBIDDEN.length - 1]).toContain('cannot read this command');
		// The script ran (the hook allows python), and git refused both from its environment.
		const scripted = outputs[FORBIDDEN.length]!;
		expect(scripted).not.toContain("spool's policy");
		expect(scripted).toMatch(/^(128|1) (128|1)/m);
		expect(outputs[FORBIDDEN.length + 1]).toContain('M app.txt');
		expect(outputs[FORBIDDEN.length + 2]).toContain('app.txt | 1 +');
		// Each refusal is in the result, with its rule.
		expect(run.result.policyViolations.map((violation: {rule: string}) => violation.rule)).toEqual(FORBIDDEN.map(([, rule]) => rule));
		const events = await fs.readFile(path.join(run.home, 'events', (await fs.readdir(path.join(run.home, 'events'))).find(name => name.endsWith('.jsonl'))!), 'utf8');
		expect(events).toContain('"type":"policy_violation"');
		// The run's ledger line counts them, so spool status says so without reading the result.
		expect(JSON.parse((await spool(run.home, ['status', '--json'])).stdout).today).toMatchObject({runs: 1, violations: FORBIDDEN.length});
		expect((await spool(run.home, ['status'])).stdout).toContain(`policy: ${FORBIDDEN.length} commands refused today (coder ${FORBIDDEN.length})`);
	}, 120_000);

	test('with policy.onViolation halt the first forbidden command ends the task as policy_violation', async () => {
		const run = await runScript({policy: {onViolation: 'halt'}, commands: () => ['git push origin HEAD:main', 'echo after']});
		expect(run.result).toMatchObject({status: 'failed', error: {code: 'policy_violation'}});
		expect(await toolResults(run.home)).toHaveLength(1); // Nothing ran after it.
		expect(await git(run.remote, 'rev-parse', 'main')).toBe(run.remoteHead);
	}, 120_000);

	test('control: with an empty deny list the same push goes through, so the policy is what stopped it', async () => {
		// The sandbox would stop the push as well (the remote is outside the cwd): here it may write there.
		// `git add -A` would refuse the /dev/null placeholders claude's sandbox puts over a missing .bashrc, .gitconfig... (docs/sandbox.md).
		const run = await runScript({policy: {allow: ['git']}, remoteIn: await fs.mkdtemp(path.join(os.tmpdir(), 'spool-remote-')), commands: () => ['git add app.txt && git commit -qm "by the agent" && git push -q origin HEAD:main']});
		expect(run.result).toMatchObject({status: 'succeeded'});
		expect(await git(run.remote, 'rev-parse', 'main')).not.toBe(run.remoteHead);
		expect(await git(run.remote, 'log', '-1', '--format=%s', 'main')).toBe('by the agent');
	}, 120_000);

	test('a command of policy.ask waits for a person: spool approve runs it in the same session, spool deny refuses it with the reason', async () => {
		for (const decision of ['approve', 'deny'] as const) {
			const home = await makeHome({workers: {coder: {allowedTools: ['Bash'], policy: {ask: ['touch approved.txt']}}}});
			const prompt = `APPROVAL ${decision} ${path.basename(home)}`;
			scripts.set(prompt, {commands: ['touch approved.txt', 'echo after'], outputs: []});
			const worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
			try {
				await dropTask(home, 'coder', 'pub', {prompt});
				const waiting = await waitFor(() => readJson(path.join(home, 'waiting', 'coder', 'pub.json')), 30_000, 'the approval to wait');
				expect(waiting.ask).toMatchObject({kind: 'approval', tool: 'Bash', command: 'touch approved.txt', rule: 'touch approved.txt'});
				// The page is written just after the task is parked in waiting/ (park-task.ts), so it may lag the waiting file by a moment.
				const page = await waitFor(() => fs.readFile(path.join(home, 'results', 'coder', 'pub.approval.md'), 'utf8').catch(() => undefined), 10_000, 'the approval page');
				expect(page).toContain('touch approved.txt');
				expect(page).toContain('spool approve coder/pub');
				const answered = await spool(home, decision === 'approve' ? ['approve', 'pub'] : ['deny', 'pub', '--why', 'not today']);
				expect(answered.exitCode, answered.stderr).toBe(0);
				const result = await waitFor(() => resultOf(home, 'coder', 'pub'), 30_000, 'the resumed result');
				expect(result).toMatchObject({status: 'succeeded', attempts: 1, sessionId: waiting.ask.sessionId, questions: [{kind: 'approval', decision: decision === 'approve' ? 'allow' : 'deny'}]});
				const made = await fs.stat(path.join(home, 'workspaces', 'coder', 'pub', 'approved.txt')).then(() => true, () => false);
				expect(made).toBe(decision === 'approve');
				const outputs = await toolResults(home, 'pub');
				if (decision === 'deny') {
					expect(outputs[0]).toContain('A person denied this command when asked for approval: not today');
				}

				expect(outputs.at(-1)).toContain('after'); // The session went on to the next command.
				expect(result.policyViolations).toBeUndefined();
			} finally {
				worker.kill('SIGTERM');
				await worker;
				await killProcessesOfHome(home);
			}
		}
	}, 120_000);
});
