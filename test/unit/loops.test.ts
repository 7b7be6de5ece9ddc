import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {createLayout, type Layout} from '../../src/queue/layout.ts';
import {findOrchestrator, listLoops} from '../../src/queue/loops.ts';
import {identifySelf} from '../../src/queue/process-identity.ts';

const LEASE = 30_000;
let layout: Layout;
let freePid: number;

beforeAll(async () => {
	layout = createLayout(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-loops-')));
	const done = execa('true');
	await done;
	freePid = done.pid!;
});

afterAll(() => {
	fs.rmSync(layout.home, {recursive: true, force: true});
});

function record(change: Record<string, unknown> = {}): string {
	return JSON.stringify({version: 1, host: 'h', ...identifySelf(), startedAt: '2026-12-01T10:00:00.000Z', ...change});
}

function plant(owner: string, ownerFile?: string, ageMs = 0): void {
	const dir = layout.claims('coder', owner);
	fs.mkdirSync(dir, {recursive: true});
	if (ownerFile !== undefined) {
		fs.writeFileSync(path.join(dir, '.owner.json'), ownerFile);
	}

	const at = new Date(Date.now() - ageMs);
	fs.utimesSync(dir, at, at);
}

test('every claims folder of a worker is a loop, alive or gone, with the reason', () => {
	plant('fresh-no-record');
	plant('stale-no-record', undefined, LEASE + 5000);
	plant('this-process', record());
	plant('gone-process', record({pid: freePid}));
	plant('gone-but-fresh-elsewhere', record({pid: freePid, pidNamespace: 1}));
	plant('alive-but-stale', record(), LEASE + 5000);
	fs.writeFileSync(path.join(layout.processing('coder'), 'a-file'), '');
	fs.symlinkSync('/tmp', path.join(layout.processing('coder'), 'a-link'));
	const loops = Object.fromEntries(listLoops(layout, 'coder', LEASE).map(loop => [loop.owner, loop]));
	expect(Object.keys(loops).sort()).toEqual(['alive-but-stale', 'fresh-no-record', 'gone-but-fresh-elsewhere', 'gone-process', 'stale-no-record', 'this-process']);
	expect(loops['fresh-no-record']).toMatchObject({process: 'worker coder', alive: true, why: expect.stringMatching(/^heartbeat 0\.\d s old$/)});
	expect(loops['stale-no-record']).toMatchObject({alive: false, gone: 'heartbeat', why: expect.stringMatching(/^heartbeat 35\.\d s old, past the lease of 30\.0 s$/)});
	expect(loops['this-process']).toMatchObject({alive: true, why: expect.stringMatching(new RegExp(`^process ${process.pid} runs, heartbeat`)), startedAt: Date.parse('2026-12-01T10:00:00.000Z')});
	expect(loops['gone-process']).toMatchObject({alive: false, gone: 'process', why: `process ${freePid} is gone`});
	expect(loops['gone-but-fresh-elsewhere']).toMatchObject({alive: true});
	expect(loops['alive-but-stale']).toMatchObject({alive: false, gone: 'heartbeat'});
});

test('the orchestrator: none until it publishes its record, then judged the same way', () => {
	expect(findOrchestrator(layout, LEASE)).toBeUndefined();
	fs.mkdirSync(layout.controlRoot, {recursive: true});
	fs.writeFileSync(layout.orchestratorFile, record());
	expect(findOrchestrator(layout, LEASE)).toMatchObject({process: 'orchestrator', alive: true, owner: expect.stringMatching(new RegExp(`^orchestrator-h-${process.pid}-\\d+$`))});
	fs.writeFileSync(layout.orchestratorFile, record({pid: freePid}));
	expect(findOrchestrator(layout, LEASE)).toMatchObject({alive: false, gone: 'process'});
});
