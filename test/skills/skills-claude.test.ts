import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';
import {startFakeApi, type ApiRequest, type FakeApi} from '../fixtures/fake-api.ts';
import {apiEnv, dropTask, makeHome, resultOf, spool, waitFor} from '../helpers/home.ts';

// One worker loop with the real claude CLI serves every test here; each task's requests carry its marker.
let api: FakeApi;
let home: string;
let worker: ReturnType<typeof spool>;

const bodyOf = (request: ApiRequest) => JSON.stringify(request.body);
const requestsOf = (marker: string) => api.requests.filter(request => bodyOf(request).includes(marker));

beforeAll(async () => {
	api = await startFakeApi(request => ({text: bodyOf(request).includes('SIMPLE-') ? '# Summary\n\nThe app greets.' : 'done'}));
	home = await makeHome({workers: {coder: {}}, extra: {skills: {dir: 'toolkit/generated-skills'}}});
	for (const [name, description] of [['summarise', 'SUMMARISE-DESCRIPTION writes a summary'], ['review', 'REVIEW-DESCRIPTION reviews code']] as const) {
		const dir = path.join(home, 'toolkit', 'generated-skills', name);
		await fs.mkdir(dir, {recursive: true});
		await fs.writeFile(path.join(dir, 'SKILL.md'), `---\nname: ${name}\ndescription: ${description}\n---\n\nBODY-OF-${name.toUpperCase()}: follow template.md.\n`);
		await fs.writeFile(path.join(dir, 'template.md'), '# Template\n');
	}

	await makeRepo(path.join(home, 'repos', 'app'));
	await fs.mkdir(path.join(home, 'auth-homes', 'coder'), {recursive: true});
	worker = spool(home, ['worker', 'coder'], {env: apiEnv(api.url)});
});

afterAll(async () => {
	worker.kill('SIGTERM');
	await worker;
	await api.close();
});

/** A real git repository with a README, a manifest and a few sources, everything committed. */
async function makeRepo(dir: string): Promise<void> {
	await fs.mkdir(path.join(dir, 'src'), {recursive: true});
	await fs.writeFile(path.join(dir, 'README.md'), '# app\n\nREADME-TEXT: the app greets people.\n');
	await fs.writeFile(path.join(dir, 'package.json'), '{"name": "app-MANIFEST", "version": "1.0.0"}\n');
	await fs.writeFile(path.join(dir, 'src', 'greet.ts'), 'export const greet = () => "hi";\n');
	const git = (...args: string[]) => execa('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {cwd: dir});
	await git('init', '-q');
	await git('add', '.');
	await git('commit', '-qm', 'init');
}

const gitStatus = async (dir: string) => (await execa('git', ['status', '--porcelain', '--ignored'], {cwd: dir})).stdout;

describe('skills with the real claude CLI', () => {
	test('a task with a skill is offered it by the Skill tool and runs it at once, leaving nothing in the repository', async () => {
		await dropTask(home, 'coder', 'skilled', {prompt: 'AGENT-1 summarise the app', skill: 'summarise', cwd: 'repos/app'});
		const result = await waitFor(() => resultOf(home, 'coder', 'skilled'), 30_000, 'result');
		expect(result).toMatchObject({status: 'succeeded', skill: 'summarise', cwd: path.join(home, 'repos', 'app')});
		const [first, ...rest] = requestsOf('AGENT-1');
		expect(rest).toEqual([]);
		expect(first!.tools).toContain('Skill');
		// The Skill tool's listing names the skill, with its frontmatter's description; the other skill is not mounted.
		expect(bodyOf(first!)).toContain('- summarise: SUMMARISE-DESCRIPTION writes a summary');
		expect(bodyOf(first!)).not.toContain('REVIEW-DESCRIPTION');
		// "/summarise PROMPT" loaded the skill's body before the first call, from the run's own mount.
		expect(bodyOf(first!)).toContain('BODY-OF-SUMMARISE: follow template.md.');
		expect(bodyOf(first!)).toContain(`Base directory for this skill: ${path.join(home, 'control', 'skills', 'coder', 'skilled', '.claude', 'skills', 'summarise')}`);
		expect(bodyOf(first!)).toContain('<command-args>AGENT-1 summarise the app</command-args>');
		expect(await gitStatus(path.join(home, 'repos', 'app'))).toBe('');
		await expect(fs.stat(path.join(home, 'control', 'skills', 'coder', 'skilled'))).rejects.toThrow();
	}, 60_000);

	test('an unknown skill is rejected before claude runs, naming the skills there are', async () => {
		await dropTask(home, 'coder', 'unknown', {prompt: 'AGENT-2 go', skill: 'sumarise'});
		const result = await waitFor(() => resultOf(home, 'coder', 'unknown'), 30_000, 'result');
		expect(result).toMatchObject({status: 'rejected', error: {code: 'unknown_skill'}});
		expect(result.error.message).toContain('the skills there: review, summarise');
		expect(requestsOf('AGENT-2')).toEqual([]);
	}, 60_000);
});

describe('simple mode with the real claude CLI', () => {
	test('one call with no tools, the repository in its prompt, the answer written to output', async () => {
		await dropTask(home, 'coder', 'simple', {prompt: 'SIMPLE-1 write a summary', mode: 'simple', output: 'docs/summary.md', cwd: 'repos/app'});
		const result = await waitFor(() => resultOf(home, 'coder', 'simple'), 30_000, 'result');
		const file = path.join(home, 'repos', 'app', 'docs', 'summary.md');
		expect(result).toMatchObject({status: 'succeeded', mode: 'simple', numTurns: 1, output: {path: file, bytes: 27}});
		expect(await fs.readFile(file, 'utf8')).toBe('# Summary\n\nThe app greets.\n');
		const requests = requestsOf('SIMPLE-1');
		expect(requests).toHaveLength(1);
		expect(requests[0]!.tools).toEqual([]);
		const prompt = requests[0]!.prompt;
		expect(prompt).toContain('## Files (3)\n\nREADME.md\npackage.json\nsrc/greet.ts');
		expect(prompt).toContain('README-TEXT: the app greets people.');
		expect(prompt).toContain('## package.json\n\n{"name": "app-MANIFEST"');
		expect(prompt).toContain('written as it is to docs/summary.md');
		expect(await gitStatus(path.join(home, 'repos', 'app'))).toBe('?? docs/');
		await fs.rm(path.join(home, 'repos', 'app', 'docs'), {recursive: true});
	}, 60_000);

	test('a simple run with a skill: the skill loads without any tool, in one call', async () => {
		await dropTask(home, 'coder', 'simple-skill', {prompt: 'SIMPLE-2 review it', mode: 'simple', skill: 'review', cwd: 'repos/app'});
		const result = await waitFor(() => resultOf(home, 'coder', 'simple-skill'), 30_000, 'result');
		expect(result).toMatchObject({status: 'succeeded', mode: 'simple', skill: 'review', result: '# Summary\n\nThe app greets.'});
		expect(result.output).toBeUndefined();
		const requests = requestsOf('SIMPLE-2');
		expect(requests).toHaveLength(1);
		expect(requests[0]!.tools).toEqual([]);
		expect(bodyOf(requests[0]!)).toContain('BODY-OF-REVIEW');
		expect(bodyOf(requests[0]!)).toContain('README-TEXT');
	}, 60_000);

	test.each([
		['../escape.md', 'must name a file inside the task\'s cwd'],
		['/tmp/abs.md', 'must be a path relative'],
	])('an output of %s is rejected before claude runs', async (output, message) => {
		const id = `escape-${output.length}`;
		await dropTask(home, 'coder', id, {prompt: `SIMPLE-ESC-${id}`, mode: 'simple', output, cwd: 'repos/app'});
		const result = await waitFor(() => resultOf(home, 'coder', id), 30_000, 'result');
		expect(result.status).toBe('rejected');
		expect(result.error.message).toContain(message);
		expect(requestsOf(`SIMPLE-ESC-${id}`)).toEqual([]);
		await expect(fs.stat(path.join(home, 'repos', 'escape.md'))).rejects.toThrow();
	}, 60_000);

	test('an output through a link out of the cwd is rejected, and output without mode simple too', async () => {
		await fs.symlink(path.join(home, 'repos'), path.join(home, 'repos', 'app', 'out'));
		await dropTask(home, 'coder', 'linked', {prompt: 'SIMPLE-LINK', mode: 'simple', output: 'out/x.md', cwd: 'repos/app'});
		await dropTask(home, 'coder', 'agent-output', {prompt: 'AGENT-OUT', output: 'x.md', cwd: 'repos/app'});
		const linked = await waitFor(() => resultOf(home, 'coder', 'linked'), 30_000, 'result');
		const agent = await waitFor(() => resultOf(home, 'coder', 'agent-output'), 30_000, 'result');
		expect(linked).toMatchObject({status: 'rejected', error: {code: 'output_forbidden'}});
		expect(linked.error.message).toContain('through a link');
		expect(agent).toMatchObject({status: 'rejected', error: {code: 'output_forbidden'}});
		expect(agent.error.message).toContain('only in mode simple');
		await fs.rm(path.join(home, 'repos', 'app', 'out'));
	}, 60_000);
});
