import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {loadConfig} from '../src/config/load.ts';
import {renderSchemas} from '../src/schema-files.ts';
import {makeHome, ROOT, spool} from './helpers/home.ts';

async function configError(yaml: string): Promise<string> {
	const home = await makeHome({workers: {coder: {}}});
	await fs.writeFile(path.join(home, 'spool.yaml'), yaml);
	try {
		loadConfig(home, {});
	} catch (error) {
		return (error as Error).message;
	}

	throw new Error('expected the config to be refused');
}

describe('spool.yaml', () => {
	test('an error names the file, the field and the bad value', async () => {
		const message = await configError('workers:\n  coder:\n    concurrency: two\n');
		expect(message).toMatch(/spool\.yaml: invalid config\n  workers\.coder\.concurrency: expected number, received string \(got "two"\)/);
	});

	test('a bad duration, an unknown key and a bad worker name are each named', async () => {
		const message = await configError('queue:\n  lease: soon\nworkers:\n  coder:\n    promt: x\n  "bad name": {}\n');
		expect(message).toContain('queue.lease: expected a duration such as "30s"');
		expect(message).toContain('(got "soon")');
		expect(message).toContain('workers.coder: Unrecognized key: "promt"');
		expect(message).toContain('workers.bad name');
	});

	test('durations and defaults resolve to milliseconds', async () => {
		const home = await makeHome({workers: {coder: {timeout: '10m'}}, queue: {lease: '2s'}});
		const config = loadConfig(home, {});
		expect(config.queue.lease).toBe(2000);
		expect(config.workers.coder).toMatchObject({timeout: 600_000, concurrency: 1, permissionMode: 'acceptEdits', prompt: path.join(home, 'prompts', 'coder.md')});
		expect(Object.isFrozen(config)).toBe(true);
	});

	test('the spool.yaml shipped with the repository is valid', () => {
		const config = loadConfig(ROOT, {});
		expect(Object.keys(config.workers).length).toBeGreaterThanOrEqual(2);
	});

	test('spool refuses to start on a bad config and says why', async () => {
		const home = await makeHome({workers: {coder: {}}});
		await fs.writeFile(path.join(home, 'spool.yaml'), 'workers:\n  coder:\n    permissionMode: yolo\n');
		const run = await spool(home, ['worker', 'coder']);
		expect(run.exitCode).toBe(1);
		expect(run.stderr).toContain('workers.coder.permissionMode');
		expect(run.stderr).toContain('(got "yolo")');
	});
});

test('the committed JSON Schemas match the zod schemas (npm run schema regenerates them)', async () => {
	for (const [file, text] of Object.entries(renderSchemas())) {
		expect(await fs.readFile(path.join(ROOT, file), 'utf8'), `${file} is stale: run npm run schema`).toBe(text);
	}
});
