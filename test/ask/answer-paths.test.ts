import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {answerQuestion} from '../../src/ask/answer.ts';
import {loadConfig} from '../../src/config/load.ts';
import {WaitingPoll} from '../../src/ask/waiting-poll.ts';
import {sweepWaiting} from '../../src/lifecycle/index.ts';
import {createLogger} from '../../src/log/logger.ts';
import {createLayout} from '../../src/queue/layout.ts';
import {makeHome, readJson} from '../helpers/home.ts';

const ask = (toolUseId: string) => ({question: 'Which?', askedAt: new Date().toISOString(), toolUseId, sessionId: 's-1', cwd: '/tmp', costUsd: 0.01, attempt: 1, runId: 'r-1', sessionCostUsd: 0.01});

async function waitingHome(toolUseId = 'toolu_2') {
	const home = await makeHome({workers: {coder: {}}});
	await fs.mkdir(path.join(home, 'waiting', 'coder'), {recursive: true});
	await fs.writeFile(path.join(home, 'waiting', 'coder', 't.json'), JSON.stringify({prompt: 'p', attempts: 0, ask: ask(toolUseId)}));
	return {home, config: loadConfig(home, {}), layout: createLayout(home)};
}

describe('answers reach the question they were given for', () => {
	test('an answer for an earlier question of the task (a late Telegram reply) is refused; the task waits on', async () => {
		const {home, config} = await waitingHome('toolu_2');
		const outcome = await answerQuestion(config, {worker: 'coder', id: 't', toolUseId: 'toolu_1'}, 'old answer', '@ada (Telegram)');
		expect(outcome).toMatchObject({outcome: 'refused'});
		expect(outcome.message).toContain('this answer was for an earlier one');
		expect((await readJson(path.join(home, 'waiting', 'coder', 't.json')))?.ask.answer).toBeUndefined();
		expect(await answerQuestion(config, {worker: 'coder', id: 't', toolUseId: 'toolu_2'}, 'right answer', '@ada (Telegram)')).toMatchObject({outcome: 'queued'});
		expect((await readJson(path.join(home, 'tasks', 'coder', 't.json')))?.ask).toMatchObject({answer: 'right answer', answeredBy: '@ada (Telegram)'});
		// The first answer wins; a second is told.
		expect(await answerQuestion(config, {worker: 'coder', id: 't'}, 'another', 'command')).toMatchObject({outcome: 'already-answered'});
	});

	test('an empty answer, or one over 64 KiB, is refused with the reason', async () => {
		const {config} = await waitingHome();
		await expect(answerQuestion(config, {worker: 'coder', id: 't'}, '  \n', 'command')).rejects.toThrow('the answer is empty');
		await expect(answerQuestion(config, {worker: 'coder', id: 't'}, 'x'.repeat(70_000), 'command')).rejects.toThrow(/70000 bytes, over the 65536/);
	});

	test('a fenced waiting file left by a crash: queued when it holds an answer, put back when not, removed when its move was made', async () => {
		const {home, layout} = await waitingHome();
		const dir = path.join(home, 'waiting', 'coder');
		const old = new Date(Date.now() - 60_000);
		const fenced = async (name: string, content: unknown) => {
			await fs.writeFile(path.join(dir, name), JSON.stringify(content));
			await fs.utimes(path.join(dir, name), old, old);
		};
		await fs.rm(path.join(dir, 't.json'));
		await fenced('.out-00000001-answered.json', {prompt: 'p', ask: {...ask('toolu_3'), answer: 'yes'}});
		await fenced('.out-00000002-open.json', {prompt: 'p', ask: ask('toolu_4')});
		await fenced('.out-00000003-linked.json', {prompt: 'p', ask: {...ask('toolu_5'), answer: 'yes'}});
		// Linked into tasks/ before the crash, then claimed meanwhile: one inode under two names, none in tasks/.
		await fs.link(path.join(dir, '.out-00000003-linked.json'), path.join(home, 'claimed-linked.json'));
		expect(await sweepWaiting(layout, 'coder', 30_000)).toEqual(['answered']);
		expect((await fs.readdir(dir)).sort()).toEqual(['open.json']);
		expect(await fs.readdir(path.join(home, 'tasks', 'coder'))).toEqual(['answered.json']);
	});

	test('an answer.md older than the question answers nothing; one written after it answers it once it is whole', async () => {
		const {home, config, layout} = await waitingHome();
		const answer = path.join(home, 'results', 'coder', 't.answer.md');
		await fs.mkdir(path.dirname(answer), {recursive: true});
		await fs.writeFile(answer, 'an answer to an earlier question');
		const hourAgo = new Date(Date.now() - 3_600_000);
		await fs.utimes(answer, hourAgo, hourAgo);
		const poll = new WaitingPoll({config: () => config, layout, worker: 'coder', owner: 'test', logger: createLogger({name: 'test', level: 'silent'})});
		await poll.check();
		expect(await fs.readdir(path.join(home, 'waiting', 'coder'))).toEqual(['t.json']);
		await fs.writeFile(answer, 'the answer');
		await poll.check(); // Not whole yet: written less than 0.3 s ago.
		expect(await fs.readdir(path.join(home, 'waiting', 'coder'))).toEqual(['t.json']);
		await new Promise(resolve => setTimeout(resolve, 400));
		await poll.check();
		expect((await readJson(path.join(home, 'tasks', 'coder', 't.json')))?.ask).toMatchObject({answer: 'the answer', answeredBy: 'file'});
		expect((await fs.readdir(path.join(home, 'results', 'coder', '.history'))).some(name => name.endsWith('.answer.md'))).toBe(true);
	});

	test('an approval takes a yes or a no with its reason, by any path (a Telegram reply is a text like any other); anything else is refused', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await fs.mkdir(path.join(home, 'waiting', 'coder'), {recursive: true});
		const approval = {...ask('toolu_9'), kind: 'approval', tool: 'Bash', command: 'npm publish', rule: 'npm publish', question: 'May the agent run `npm publish`?'};
		await fs.writeFile(path.join(home, 'waiting', 'coder', 'pub.json'), JSON.stringify({prompt: 'p', attempts: 0, ask: approval}));
		const config = loadConfig(home, {});
		const unclear = await answerQuestion(config, {worker: 'coder', id: 'pub', toolUseId: 'toolu_9'}, 'maybe later', '@ada (Telegram)');
		expect(unclear).toMatchObject({outcome: 'refused'});
		expect(unclear.message).toContain('answer "approve", or "deny" and why');
		expect(await answerQuestion(config, {worker: 'coder', id: 'pub', toolUseId: 'toolu_9'}, 'deny: not before the release', '@ada (Telegram)')).toMatchObject({outcome: 'queued'});
		expect((await readJson(path.join(home, 'tasks', 'coder', 'pub.json')))?.ask).toMatchObject({decision: 'deny', why: 'not before the release', answeredBy: '@ada (Telegram)'});
	});
});
