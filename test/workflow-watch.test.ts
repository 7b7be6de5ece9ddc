import {afterAll, beforeAll, expect, test} from 'vitest';
import {startFakeApi, type FakeApi} from './fixtures/fake-api.ts';
import {apiEnv, makeHome, spool, waitFor} from './helpers/home.ts';
import {writeWorkflow} from './helpers/workflows.ts';

let api: FakeApi;
let releaseSlow = () => {};
const slow = new Promise<void>(resolve => {
	releaseSlow = resolve;
});

beforeAll(async () => {
	api = await startFakeApi(async request => {
		if (request.prompt.startsWith('SLOW')) {
			await slow;
		}

		return {text: `${request.prompt.split(' ')[0]} done\nsecond line`};
	});
});

afterAll(async () => {
	releaseSlow();
	await api.close();
});

test('spool status counts a workflow\'s tasks; spool tail --workflow follows them until it is done', async () => {
	const home = await makeHome({workers: {coder: {concurrency: 2}, reviewer: {}}});
	await writeWorkflow(home, 'watched.json', {
		max_cost_usd: 5,
		tasks: [
			{id: 'slow', worker: 'coder', prompt: 'SLOW work'},
			{id: 'quick', worker: 'coder', prompt: 'QUICK work'},
			{id: 'after', worker: 'reviewer', prompt: 'AFTER the slow one', dependsOn: ['slow']},
		],
	});
	const up = spool(home, ['up'], {env: apiEnv(api.url)});
	let output = '';
	const tail = spool(home, ['tail', '--workflow', 'watched']);
	tail.stdout?.on('data', chunk => {
		output += String(chunk);
	});
	try {
		await waitFor(() => output.includes('watched/quick succeeded'), 30_000, 'the quick task in tail');
		await waitFor(() => api.requests.some(request => request.prompt.startsWith('SLOW')), 30_000, 'the slow run');
		const json = await spool(home, ['status', '--json']);
		const workflows = JSON.parse(String(json.stdout)).workflows as Array<Record<string, unknown>>;
		expect(workflows).toHaveLength(1);
		expect(workflows[0]).toMatchObject({id: 'watched', status: 'running', tasks: 3, succeeded: 1, running: 1, pending: 0, waiting: 1, failed: 0, skipped: 0, maxCostUsd: 5});
		expect(workflows[0]!.costUsd).toBeGreaterThan(0);
		const text = String((await spool(home, ['status'])).stdout);
		expect(text).toMatch(/WORKFLOW +STATUS +TASKS +SUCCEEDED +RUNNING +PENDING +WAITING +FAILED +SKIPPED +COST/);
		expect(text).toMatch(/watched +running +3 +1 +1 +0 +1 +0 +0 +\$0\.\d{4} of \$5/);

		releaseSlow();
		const exit = await tail;
		expect(exit.exitCode).toBe(0);
		const lines = output.trim().split('\n');
		expect(lines).toEqual(
			expect.arrayContaining([
				expect.stringMatching(/^\d\d:\d\d:\d\d watched\/slow queued for coder \(tasks\/coder\/watched--slow\.json\)$/),
				expect.stringMatching(/^\d\d:\d\d:\d\d watched\/quick succeeded \d+\.\ds \$\d\.\d{4} QUICK done$/),
				expect.stringMatching(/^\d\d:\d\d:\d\d watched\/after succeeded \d+\.\ds \$\d\.\d{4} AFTER done$/),
			]),
		);
		expect(lines.at(-1)).toMatch(/^\d\d:\d\d:\d\d workflow watched succeeded: 3 succeeded, 0 failed, 0 skipped, \$\d\.\d{4} \(results\/workflows\/watched\.md\)$/);
		expect(lines.findIndex(line => line.includes('watched/after queued'))).toBeGreaterThan(lines.findIndex(line => line.includes('watched/slow succeeded')));
		const finished = JSON.parse(String((await spool(home, ['status', '--json'])).stdout)).workflows[0];
		expect(finished).toMatchObject({status: 'succeeded', succeeded: 3, running: 0, waiting: 0});
	} finally {
		releaseSlow();
		tail.kill('SIGTERM');
		up.kill('SIGTERM');
		await Promise.all([tail, up]);
	}
}, 60_000);
