import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {buildResult} from '../src/queue/result.ts';
import {makeHome, readJson, ROOT, spool, waitFor} from './helpers/home.ts';
import {cpuSeconds, logLines, stopWithin, workflowResult, writeWorkflow} from './helpers/workflows.ts';

const HUGE = 60 * 1024 * 1024;

test('a placeholder filled ten times with a 60 MB result fails its task (prompt_too_large); a step that throws backs off, keeps its state, and is tried at once when it is fixed', async () => {
	const home = await makeHome({workers: {coder: {}}});
	await writeWorkflow(home, 'huge.json', {
		tasks: [
			{id: 'big', worker: 'coder', prompt: 'BIG answer'},
			{id: 'uses', worker: 'coder', prompt: Array.from({length: 10}, () => 'again: {{tasks.big.result}}').join('\n'), dependsOn: ['big']},
		],
	});
	// A running workflow whose file was deleted, and whose state cannot be read: it is kept, and retried with a backoff.
	const ghost = path.join(home, 'results', 'workflows', 'ghost.state.json');
	await fs.mkdir(path.dirname(ghost), {recursive: true});
	await fs.writeFile(ghost, '{"id": "ghost", "status": "running", "tasks": [');
	// No worker runs: the test plays the worker and writes the first task's result itself.
	const orchestrator = spool(home, ['orchestrator']);
	try {
		const queued = path.join(home, 'tasks', 'coder', 'huge--big.json');
		const task = await waitFor(() => readJson(queued), 20_000, 'the first task queued');
		const result = buildResult({id: 'huge--big', worker: 'coder', owner: 'test', runId: 'r1', attempts: 1, startedAt: new Date()}, {status: 'succeeded', result: 'x'.repeat(HUGE), metadata: task.metadata});
		const file = path.join(home, 'results', 'coder', 'huge--big.json');
		await fs.mkdir(path.dirname(file), {recursive: true});
		await fs.writeFile(`${file}.tmp`, JSON.stringify(result));
		await fs.rename(`${file}.tmp`, file);
		await fs.rm(queued);

		const finished = await workflowResult(home, 'huge', 30_000);
		expect(finished).toMatchObject({status: 'failed', counts: {succeeded: 1, failed: 1, skipped: 0}});
		expect(finished.tasks[1]).toMatchObject({id: 'uses', status: 'failed', error: {code: 'prompt_too_large'}});
		expect(finished.tasks[1].error.message).toMatch(/600\.0 MiB.*1 MiB/);
		expect(await fs.stat(path.join(home, 'tasks', 'coder', 'huge--uses.json')).catch(() => undefined)).toBeUndefined();

		// Idle once it is done: a few seconds of scans cost little CPU, and the broken state logs once per backoff, not once per scan.
		const before = await cpuSeconds(orchestrator.pid!);
		await new Promise(resolve => setTimeout(resolve, 3000));
		expect(await cpuSeconds(orchestrator.pid!) - before).toBeLessThan(0.3);
		const failures = (await logLines(home, 'orchestrator')).filter(line => line.workflow === 'ghost' && line.level >= 50);
		expect(failures.length).toBeGreaterThanOrEqual(1);
		expect(failures.length).toBeLessThanOrEqual(5);
		expect(failures[0]!.msg).toMatch(/workflow step failed \(state_corrupt\); trying again in 1s/);
		expect(failures[0]!.retryAt).toMatch(/^\d{4}-\d\d-\d\dT/);
		expect(await fs.readFile(ghost, 'utf8')).toBe('{"id": "ghost", "status": "running", "tasks": [');

		// Fixed by hand (here: a finished state), it is tried at once, not when the backoff ends.
		const {retryAt} = (await logLines(home, 'orchestrator')).filter(line => line.workflow === 'ghost' && line.level >= 50).at(-1)!;
		await fs.writeFile(ghost, (await fs.readFile(path.join(ROOT, 'test', 'fixtures', 'workflows', 'v0-mixed.state.json'), 'utf8')).replaceAll('mixed', 'ghost'));
		expect(await workflowResult(home, 'ghost', 10_000)).toMatchObject({id: 'ghost', status: 'failed'});
		expect(Date.now()).toBeLessThan(Date.parse(retryAt));
		expect(await stopWithin(orchestrator, 5000)).toMatchObject({stopped: true});
	} finally {
		await stopWithin(orchestrator, 5000);
	}
}, 90_000);
