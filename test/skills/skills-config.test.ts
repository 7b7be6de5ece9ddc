import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {stringify} from 'yaml';
import {describe, expect, test} from 'vitest';
import {expandHome, loadConfig} from '../../src/config/load.ts';
import {findSkill, listSkills} from '../../src/skills/catalog.ts';
import {mountSkill, unmountSkill} from '../../src/skills/mount.ts';
import {modeOf} from '../../src/worker/run-mode.ts';

describe('skills.dir in spool.yaml', () => {
	test.each([
		['~/toolkit/skills', '/home/ada/toolkit/skills'],
		['~', '/home/ada'],
		['skills', '/srv/spool/skills'],
		['/opt/skills', '/opt/skills'],
		['~ada/skills', '/srv/spool/~ada/skills'],
	])('%s is %s', (dir, expected) => {
		expect(expandHome(dir, '/srv/spool', {HOME: '/home/ada'})).toBe(expected);
	});

	test('is resolved when spool.yaml is loaded, and an empty one is refused naming the field', async () => {
		const home = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-skills-'));
		await fs.writeFile(path.join(home, 'spool.yaml'), stringify({skills: {dir: '~/gen'}, workers: {coder: {mode: 'simple'}}}));
		const config = loadConfig(home, {HOME: '/home/ada'});
		expect(config.skills).toEqual({dir: '/home/ada/gen'});
		expect(config.workers.coder!.mode).toBe('simple');
		await fs.writeFile(path.join(home, 'spool.yaml'), stringify({skills: {dir: ''}, workers: {coder: {mode: 'fast'}}}));
		expect(() => loadConfig(home)).toThrow(/skills\.dir[\s\S]*workers\.coder\.mode|workers\.coder\.mode[\s\S]*skills\.dir/);
	});
});

describe('findSkill', () => {
	test('no skills.dir, a missing one, an unknown name and a known one', async () => {
		const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-skills-'));
		await fs.mkdir(path.join(dir, 'summarise'));
		await fs.writeFile(path.join(dir, 'summarise', 'SKILL.md'), '---\nname: summarise\n---\n');
		await fs.mkdir(path.join(dir, 'no-skill-file'));
		expect(await listSkills(dir)).toEqual(['summarise']);
		expect(await findSkill(undefined, 'summarise')).toMatchObject({code: 'unknown_skill', message: expect.stringContaining('spool.yaml has no skills.dir')});
		expect(await findSkill(path.join(dir, 'gone'), 'summarise')).toMatchObject({code: 'unknown_skill', message: expect.stringContaining('it does not exist')});
		expect(await findSkill(dir, 'no-skill-file')).toMatchObject({code: 'unknown_skill', message: expect.stringContaining('the skills there: summarise')});
		expect(await findSkill(dir, 'summarise')).toEqual({name: 'summarise', dir: await fs.realpath(path.join(dir, 'summarise'))});
	});
});

describe('modeOf', () => {
	test.each([
		[{}, {}, 'agent'],
		[{mode: 'simple'}, {}, 'simple'],
		[{}, {mode: 'simple'}, 'simple'],
		[{mode: 'simple'}, {mode: 'agent'}, 'agent'],
	] as const)('worker %o, task %o: %s', (worker, task, mode) => {
		expect(modeOf(worker, task)).toBe(mode);
	});
});

describe('mountSkill', () => {
	test("a run's mount is a copy of the skill: an edit through it leaves the person's skill as it was", async () => {
		const root = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-mount-'));
		const dir = path.join(root, 'skills', 'summarise');
		await fs.mkdir(dir, {recursive: true});
		await fs.writeFile(path.join(dir, 'SKILL.md'), 'the person\'s skill\n');
		const mount = await mountSkill(path.join(root, 'mount'), {name: 'summarise', dir});
		const mounted = path.join(mount, '.claude', 'skills', 'summarise');
		expect((await fs.lstat(mounted)).isSymbolicLink()).toBe(false);
		await fs.writeFile(path.join(mounted, 'SKILL.md'), 'changed by an agent\n');
		expect(await fs.readFile(path.join(dir, 'SKILL.md'), 'utf8')).toBe('the person\'s skill\n');
		await unmountSkill(mount);
		await expect(fs.stat(mount)).rejects.toThrow();
	});
});
