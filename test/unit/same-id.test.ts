import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {afterEach, beforeEach, expect, test} from 'vitest';
import type {Claim} from '../../src/lifecycle/index.ts';
import {createLayout, type Layout} from '../../src/queue/layout.ts';
import {waitForOtherRuns} from '../../src/worker/same-id.ts';

const RUN = '5d1f3e2a-8c4b-4f5e-9a1b-2c3d4e5f6a7b';
let layout: Layout;

beforeEach(async () => {
	layout = createLayout(await fs.mkdtemp(path.join(os.tmpdir(), 'spool-same-id-')));
	for (const owner of ['a-loop', 'b-loop']) {
		await fs.mkdir(layout.claims('coder', owner), {recursive: true});
	}
});

afterEach(async () => {
	await fs.rm(layout.home, {recursive: true, force: true});
});

const claimIn = (owner: string): Claim => ({id: 'x', worker: 'coder', owner, runId: RUN, file: path.join(layout.claims('coder', owner), 'x.json'), raw: {}, attempt: 1, interrupted: false, claimedAt: new Date()});

/** Whether a claim of x in b-loop waits, given what a-loop's folder holds. */
async function waits(entry: string | undefined, claim = claimIn('b-loop')): Promise<boolean> {
	await fs.writeFile(claim.file, '{}');
	if (entry) {
		await fs.writeFile(path.join(layout.claims('coder', 'a-loop'), entry), '{}');
	}

	const controller = new AbortController();
	setTimeout(() => controller.abort(), 400);
	return !(await waitForOtherRuns(layout, claim, controller.signal, () => {}));
}

test.each([
	['nothing else', undefined, false],
	['a started claim of the id', `x@1.${RUN}.json`, true],
	['a commit in progress (fenced under its started name)', `.out-0a1b2c3d-x@1.${RUN}.json`, true],
	// A requeue waiting for the name this claim took would wait for this claim: a deadlock if waited for.
	['a requeue waiting for the name (fenced as claimed)', '.out-0a1b2c3d-x.json', false],
	['an unstarted claim of a loop whose name sorts first', 'x.json', true],
	['another id', `y@1.${RUN}.json`, false],
])('%s: waits %s', async (_name, entry, expected) => {
	expect(await waits(entry)).toBe(expected);
});

test('two loops that each hold an unstarted claim of the id never both wait', async () => {
	await fs.writeFile(path.join(layout.claims('coder', 'b-loop'), 'x.json'), '{}');
	expect(await waits(undefined, claimIn('a-loop'))).toBe(false);
});
