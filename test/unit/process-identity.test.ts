import {execa} from 'execa';
import {afterAll, beforeAll, expect, test} from 'vitest';
import {identifySelf, judgeProcess, type ProcessIdentity} from '../../src/queue/process-identity.ts';

const self = identifySelf()!;
let deadPid: number;
let zombiePid: number;
let zombieParent: ReturnType<typeof execa>;

beforeAll(async () => {
	const done = execa('true');
	await done;
	deadPid = done.pid!;
	// The shell's background child becomes the child of `sleep`, which never waits for it: a zombie.
	zombieParent = execa('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], {reject: false, buffer: false});
	zombiePid = await new Promise<number>(resolve => zombieParent.stdout!.once('data', chunk => resolve(Number(String(chunk).trim()))));
	await new Promise(resolve => setTimeout(resolve, 400));
});

afterAll(async () => {
	zombieParent.kill('SIGKILL');
	await zombieParent;
});

test('this process can name itself', () => {
	expect(self).toMatchObject({pid: process.pid, bootId: expect.stringMatching(/^[0-9a-f-]{36}$/)});
	expect(self.startTime).toBeGreaterThan(0);
	expect(self.pidNamespace).toBeGreaterThan(0);
});

const recorded = (change: Partial<ProcessIdentity>): ProcessIdentity => ({...self, ...change});

test.each<[string, () => ProcessIdentity, 'gone' | 'alive' | 'unknown', RegExp]>([
	['this very process', () => recorded({}), 'alive', /runs/],
	['a pid that is free', () => recorded({pid: deadPid}), 'gone', /is gone/],
	['a zombie (exited, not reaped)', () => recorded({pid: zombiePid}), 'gone', /zombie/],
	['a live pid with another start time (the pid was reused)', () => recorded({startTime: self.startTime + 1}), 'gone', /started later/],
	['another pid namespace (another container), even with a free pid', () => recorded({pid: deadPid, pidNamespace: self.pidNamespace + 1}), 'unknown', /pid namespace/],
	['another boot or machine, even with a free pid', () => recorded({pid: deadPid, bootId: '00000000-0000-4000-8000-000000000000'}), 'unknown', /another machine or boot/],
])('%s: %s', (_name, record, kind, why) => {
	const verdict = judgeProcess(record());
	expect(verdict.kind).toBe(kind);
	expect(verdict.why).toMatch(why);
});

test('an observer that cannot name itself proves nothing', () => {
	expect(judgeProcess(recorded({pid: deadPid}), null).kind).toBe('unknown');
});
