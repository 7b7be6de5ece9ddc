import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, describe, expect, test} from 'vitest';
import {loadConfig} from '../../src/config/load.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {blockOf, BlockLog, sandboxStartFailure} from '../../src/sandbox/blocks.ts';
import {runsCommands, sandboxFor} from '../../src/sandbox/for-worker.ts';
import {carve, protectedPaths} from '../../src/sandbox/protected-paths.ts';
import {mergeSettings, runSandbox} from '../../src/sandbox/run-settings.ts';
import {withSettings} from '../../src/worker/claude-args.ts';

const HOME = '/srv/spool';
const note = {denied: protectedPaths(createLayout(HOME), `${HOME}/spool.yaml`), commands: true};
const temps: string[] = [];
afterAll(() => temps.forEach(dir => fs.rmSync(dir, {recursive: true, force: true})));

describe('what a tool result shows: blocked, and of what', () => {
	test.each([
		['Bash', `echo x >> ${HOME}/spool.yaml`, `Permission to use Bash with command echo x >> ${HOME}/spool.yaml has been denied.`, {kind: 'write', target: `${HOME}/spool.yaml`}],
		['Bash', `cat ${HOME}/results/a/b.json`, `Permission to use Bash with command cat ${HOME}/results/a/b.json has been denied.`, {kind: 'read', target: `${HOME}/results`}],
		['Bash', 'echo x > /etc/out', '/bin/bash: line 1: /etc/out: Read-only file system', {kind: 'write', target: '/etc/out'}],
		['Bash', 'python3 w.py', "OSError: [Errno 30] Read-only file system: '/opt/x'", {kind: 'write', target: '/opt/x'}],
		['Bash', `cat ${HOME}/auth-homes/b/settings.json`, `cat: ${HOME}/auth-homes/b/settings.json: No such file or directory`, {kind: 'read', target: `${HOME}/auth-homes`}],
		['Bash', 'curl http://example.com', '403\n<sandbox_violations>\ndeny network-outbound example.com:80 (user denied)\n</sandbox_violations>', {kind: 'network', target: 'example.com:80'}],
		['Bash', 'curl http://127.0.0.1:9', "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server", {kind: 'network', target: '127.0.0.1:9'}],
		['Bash', `python3 -c "open('${HOME}/prompts/b.md','a').write('x')"`, '(Bash completed with no output)', {kind: 'write', target: `${HOME}/prompts`}],
		['Bash', `ls ${HOME}/tasks`, '', {kind: 'read', target: `${HOME}/tasks`}],
		['Bash', `node -e "require('fs').appendFileSync('${HOME}/spool.yaml', 'x')"`, `Error: EACCES: permission denied, open '${HOME}/spool.yaml'`, {kind: 'write', target: `${HOME}/spool.yaml`}],
		['Bash', 'ls missing', 'ls: cannot access missing: No such file or directory', undefined],
		// Found by a review: output that only mentions spool's words, a prefix of a protected name, a test's own refused connection.
		['Bash', 'cat docs/sandbox.md', 'A refused host shows as `<sandbox_violations> deny network-outbound HOST:PORT`.', undefined],
		['Bash', `ls ${HOME}/logs-old 2>/dev/null`, '', undefined],
		['Bash', 'npm test', 'Error: connect ECONNREFUSED 127.0.0.1:5432', undefined],
		['Bash', 'cat /repo/spool/tasks/x.ts', 'cat: /repo/spool/tasks/x.ts: No such file or directory', undefined],
		['Bash', 'npm test', 'ok 1 - passes', undefined],
		['Bash', 'git push', `spool's policy denies "git push" (rule "git")`, undefined],
		['Bash', 'rm -rf /', 'Permission to use Bash with command rm -rf / has been denied.', undefined],
		['Write', `${HOME}/spool.yaml`, '<tool_use_error>File is in a directory that is denied by your permission settings.</tool_use_error>', {kind: 'write', target: `${HOME}/spool.yaml`}],
		['Read', `${HOME}/auth-homes/b/x`, '<tool_use_error>File is in a directory that is denied by your permission settings.</tool_use_error>', {kind: 'read', target: `${HOME}/auth-homes/b/x`}],
		['Edit', '/tmp/x', '/tmp/x is outside /w; the permissions.blockWritesOutsideWorkingDirectories setting blocks writes outside the working directories.', {kind: 'write', target: '/tmp/x'}],
		['Write', 'notes.md', 'File created successfully at: notes.md', undefined],
		['Write', '/elsewhere/x', '<tool_use_error>File is in a directory that is denied by your permission settings.</tool_use_error>', undefined],
		['WebFetch', 'x', 'denied by your permission settings', undefined],
	])('%s %s', (tool, what, text, expected) => {
		const input = tool === 'Bash' ? {command: what} : {file_path: what};
		expect(blockOf(tool, input, text, note)).toEqual(expected && {tool, ...expected});
	});

	test('a call that did not fail counts only when its command names a hidden path; unsandboxed commands never count', () => {
		expect(blockOf('Read', {file_path: `${HOME}/docs/sandbox.md`}, 'denied by your permission settings', note, false)).toBeUndefined();
		expect(blockOf('Bash', {command: 'cat x'}, 'x: Read-only file system', note, false)).toBeUndefined();
		expect(blockOf('Bash', {command: `echo x > ${HOME}/prompts/a.md`}, '', note, false)).toEqual({tool: 'Bash', kind: 'write', target: `${HOME}/prompts`});
		expect(blockOf('Bash', {command: 'echo x > /etc/out'}, '/etc/out: Read-only file system', {...note, commands: false})).toBeUndefined();
		expect(blockOf('Write', {file_path: `${HOME}/spool.yaml`}, 'denied by your permission settings', {...note, commands: false})).toMatchObject({kind: 'write'});
	});

	test("a command claude's sandbox could not start is no block: the hook says to run it again", () => {
		// Seen in a clean-clone CI run: two runs in worktrees of one repository (anthropics/claude-code#79248).
		const text = "Exit code 1\nbwrap: Can't find source path /tmp/app/.git/config.lock: No such file or directory";
		expect(blockOf('Bash', {command: 'printf x > a.txt'}, text, note)).toBeUndefined();
		expect(sandboxStartFailure(text)).toBe("bwrap: Can't find source path /tmp/app/.git/config.lock: No such file or directory");
		expect(sandboxStartFailure("bwrap: Can't get type of source /r/.git/config.lock: No such file or directory")).toMatch(/^bwrap: Can't get type/);
		expect(sandboxStartFailure('cat: x: No such file or directory')).toBeUndefined();
		expect(sandboxStartFailure('echo "bwrap: Can\'t find source path" is quoted mid-line')).toBeUndefined();
	});

	test('the log pairs each result with its call by id', () => {
		const log = new BlockLog(note);
		log.observe({type: 'assistant', message: {content: [{type: 'tool_use', id: 't1', name: 'Bash', input: {command: 'echo x > /etc/out'}}, {type: 'tool_use', id: 't2', name: 'Bash', input: {command: 'true'}}]}});
		log.observe({type: 'user', message: {content: [{type: 'tool_result', tool_use_id: 't2', content: ''}, {type: 'tool_result', tool_use_id: 't1', is_error: true, content: [{type: 'text', text: '/etc/out: Read-only file system'}]}]}});
		expect(log.blocks).toMatchObject([{tool: 'Bash', kind: 'write', target: '/etc/out'}]);
	});
});

describe('which paths a run is kept from', () => {
	test('spool.yaml and every state folder, made yet or not, the auth homes among them; every other entry of the home but workspaces/, its .git too', () => {
		expect(note.denied).toEqual(expect.arrayContaining([`${HOME}/spool.yaml`, `${HOME}/auth-homes`, `${HOME}/prompts`, `${HOME}/tasks`, `${HOME}/processing`, `${HOME}/results`, `${HOME}/ledger`, `${HOME}/outbox`, `${HOME}/control`, `${HOME}/waiting`, path.join(os.homedir(), '.claude')]));
		expect(note.denied).not.toContain(`${HOME}/workspaces`);
		const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-entries-'));
		temps.push(home);
		for (const name of ['.git', '.env', 'docker-compose.claude-cli.yml', 'README.md', 'workspaces']) {
			fs.mkdirSync(path.join(home, name));
		}

		const denied = protectedPaths(createLayout(home), path.join(home, 'spool.yaml'));
		expect(denied).toEqual(expect.arrayContaining(['.git', '.env', 'docker-compose.claude-cli.yml', 'README.md'].map(name => path.join(home, name))));
		expect(denied).not.toContain(path.join(home, 'workspaces'));
	});

	test("a kept folder inside a denied one is carved out: the skill's mount under control/, and nothing else of control/", () => {
		const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-carve-'));
		temps.push(home);
		for (const dir of ['control/skills/coder/t1', 'control/skills/coder/t2', 'control/skills/other', 'control/quota']) {
			fs.mkdirSync(path.join(home, dir), {recursive: true});
		}

		fs.writeFileSync(path.join(home, 'control', 'down.json'), '{}');
		const mount = path.join(home, 'control/skills/coder/t1');
		expect(carve([path.join(home, 'control'), path.join(home, 'results')], [mount]).sort()).toEqual(
			['control/down.json', 'control/quota', 'control/skills/coder/t2', 'control/skills/other', 'results'].map(name => path.join(home, name)),
		);
		// A cwd that holds the home keeps nothing of spool's: the denied paths stay.
		expect(carve([path.join(home, 'control')], [path.dirname(home)])).toEqual([path.join(home, 'control')]);
	});

	test('the settings: file-tool rules for each denied path, the sandbox fenced shut, the secrets unset for commands', () => {
		const run = runSandbox({sandbox: {enabled: true, allowWrite: ['/data/cache'], allowedDomains: ['registry.npmjs.org']}, denied: [`${HOME}/spool.yaml`], code: ['/opt/spool/src'], cwd: '/w', addDirs: [], keep: [], tmp: '/tmp/t', secretNames: ['ANTHROPIC_API_KEY'], commands: true});
		expect(run.settings).toMatchObject({
			permissions: {blockWritesOutsideWorkingDirectories: true, deny: [`Read(/${HOME}/spool.yaml)`, `Read(/${HOME}/spool.yaml/**)`, `Edit(/${HOME}/spool.yaml)`, `Edit(/${HOME}/spool.yaml/**)`, 'Edit(//opt/spool/src)', 'Edit(//opt/spool/src/**)']},
			sandbox: {enabled: true, allowUnsandboxedCommands: false, failIfUnavailable: true, filesystem: {allowWrite: ['/data/cache'], denyRead: [`${HOME}/spool.yaml`], denyWrite: [`${HOME}/spool.yaml`, '/opt/spool/src']}, network: {allowedDomains: ['registry.npmjs.org']}, credentials: {envVars: [{name: 'ANTHROPIC_API_KEY', mode: 'deny'}]}},
		});
		expect(run.addDirs).toEqual(['/data/cache']);
		expect(run.env.CLAUDE_CODE_TMPDIR).toBe('/tmp/t');
		// No commands to sandbox (turned off, no Bash, or no bubblewrap): the file tools keep their limits, and nothing asks for bubblewrap.
		const off = runSandbox({sandbox: {enabled: false, allowWrite: [], allowedDomains: []}, denied: [`${HOME}/spool.yaml`], code: [], cwd: '/w', addDirs: [], keep: [], tmp: '/tmp/t', secretNames: [], commands: false});
		expect(off.settings.sandbox).toBeUndefined();
		expect(off.settings.permissions).toMatchObject({blockWritesOutsideWorkingDirectories: true});
		expect(off.env).toEqual({});
	});

	test('one --settings flag holds the hooks of both, side by side', () => {
		const args = withSettings(['-p', '--settings', JSON.stringify({hooks: {PreToolUse: [{matcher: 'Bash'}]}}), '--x'], {hooks: {PreToolUse: [{matcher: 'Other'}], PostToolUse: [{matcher: 'Bash'}]}, sandbox: {enabled: true}});
		expect(args.filter(arg => arg === '--settings')).toHaveLength(1);
		expect(JSON.parse(args[2]!)).toEqual({hooks: {PreToolUse: [{matcher: 'Bash'}, {matcher: 'Other'}], PostToolUse: [{matcher: 'Bash'}]}, sandbox: {enabled: true}});
		expect(args.at(-1)).toBe('--x');
		expect(withSettings(['-p'], {a: 1})).toEqual(['-p', '--settings', '{"a":1}']);
		expect(mergeSettings({permissions: {deny: ['a']}}, {permissions: {deny: ['b'], x: true}})).toEqual({permissions: {deny: ['a', 'b'], x: true}});
	});
});

describe('which workers need the sandbox, and what theirs is', () => {
	test.each([
		[{allowedTools: ['Bash']}, true],
		[{allowedTools: ['Bash(npm test:*)']}, true],
		[{permissionMode: 'bypassPermissions'}, true],
		[{permissionMode: 'bypassPermissions', disallowedTools: ['Bash']}, false],
		[{allowedTools: ['Read', 'Write']}, false],
		[{}, false],
		[{allowedTools: ['Bash'], mode: 'simple'}, false],
	])('%j runs commands: %s', (worker, expected) => {
		expect(runsCommands(worker as never)).toBe(expected);
	});

	test("a worker's folders and hosts add to the home's; its enabled wins", () => {
		const config = {sandbox: {enabled: true, allowWrite: ['/a'], allowedDomains: ['x.org']}};
		expect(sandboxFor(config, {sandbox: {allowWrite: ['/b'], allowedDomains: ['x.org', 'y.org'], enabled: false}})).toEqual({enabled: false, allowWrite: ['/a', '/b'], allowedDomains: ['x.org', 'y.org']});
		expect(sandboxFor(config, {})).toEqual(config.sandbox);
	});
});

describe('sandbox in spool.yaml', () => {
	const home = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-sandbox-config-'));
	temps.push(home);
	fs.mkdirSync(path.join(home, 'results'));
	fs.symlinkSync(path.join(home, 'results'), path.join(os.tmpdir(), `${path.basename(home)}-link`));
	temps.push(path.join(os.tmpdir(), `${path.basename(home)}-link`));
	const load = (sandbox: unknown, worker: Record<string, unknown> = {}) => {
		fs.writeFileSync(path.join(home, 'spool.yaml'), JSON.stringify({sandbox, workers: {coder: worker}}));
		return loadConfig(home, {HOME: '/home/person'});
	};

	test('defaults: on, nothing more to write, no host', () => {
		expect(load(undefined).sandbox).toEqual({enabled: true, allowWrite: [], allowedDomains: []});
	});

	test('folders resolved against the home and ~, hosts lower-cased', () => {
		const config = load({allowWrite: ['cache', '~/.npm'], allowedDomains: ['Registry.npmjs.org', '*.github.com']}, {sandbox: {allowWrite: ['/data']}});
		expect(config.sandbox).toEqual({enabled: true, allowWrite: [path.join(home, 'cache'), '/home/person/.npm'], allowedDomains: ['registry.npmjs.org', '*.github.com']});
		expect(config.workers.coder!.sandbox).toEqual({allowWrite: ['/data']});
	});

	test.each([
		[{allowWrite: ['results']}, /sandbox\.allowWrite\[0\]: "results" is spool's own results, which no run may write/],
		[{allowWrite: ['prompts/coder.md']}, /"prompts\/coder.md" is spool's own prompts/],
		[{allowWrite: ['spool.yaml']}, /"spool.yaml" is spool's own spool.yaml/],
		[{allowWrite: ['.']}, /"\." holds the spool home or its workspaces/],
		[{allowWrite: ['workspaces']}, /"workspaces" holds the spool home or its workspaces/],
		[{allowWrite: ['LINK']}, /is spool's own results/],
		[{allowedDomains: ['https://x.org']}, /allowedDomains\.0.*a host name such as registry\.npmjs\.org/s],
		[{allowedDomains: ['x.org:443']}, /with no scheme, port or path/],
		[{enabled: 'yes'}, /sandbox\.enabled/],
		[{allowwrite: []}, /allowwrite/],
	])('%j is refused', (sandbox, message) => {
		// LINK: a folder outside the home that is a link to its results/.
		const linked = JSON.parse(JSON.stringify(sandbox).replace('LINK', path.join(os.tmpdir(), `${path.basename(home)}-link`)));
		expect(() => load(linked)).toThrow(message);
	});

	test("a worker's allowWrite into spool's state is refused and named", () => {
		expect(() => load(undefined, {sandbox: {allowWrite: ['auth-homes/other']}})).toThrow(/workers\.coder\.sandbox\.allowWrite\[0\]: "auth-homes\/other" is spool's own auth-homes/);
	});
});
