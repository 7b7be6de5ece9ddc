import fs from 'node:fs/promises';
import path from 'node:path';
import {expect, test} from 'vitest';
import {parse} from 'yaml';
import {makeHome, ROOT, spool} from './helpers/home.ts';

const COMPOSE_FILE = 'docker-compose.claude-cli.yml';

type Service = Record<string, any>;

test('the committed docker-compose.claude-cli.yml is what spool compose makes of the shipped spool.yaml', async () => {
	const check = await spool(ROOT, ['compose', '--check']);
	expect(check.stderr).toBe('');
	expect(check.exitCode).toBe(0);
	const generated = await spool(ROOT, ['compose', '--stdout']);
	expect(await fs.readFile(path.join(ROOT, COMPOSE_FILE), 'utf8')).toBe(`${generated.stdout}\n`); // execa strips the last newline
});

test('spool compose: one service per worker plus the orchestrator, each with only its own auth home', async () => {
	const home = await makeHome({workers: {coder: {}, 'code-reviewer': {}}, queue: {drainTimeout: '45s'}});
	const run = await spool(home, ['compose']);
	expect(run.exitCode).toBe(0);
	const text = await fs.readFile(path.join(home, COMPOSE_FILE), 'utf8');
	const file = parse(text) as {services: Record<string, Service>} & Record<string, unknown>;
	expect(Object.keys(file)).toEqual(['services']);
	expect(Object.keys(file.services)).toEqual(['orchestrator', 'worker-coder', 'worker-code-reviewer']);
	for (const [name, service] of Object.entries(file.services)) {
		expect(service.build).toEqual({context: path.relative(home, ROOT), dockerfile: 'Dockerfile.worker', args: {BASE_IMAGE: '${BASE_IMAGE:-node:24-slim}'}});
		expect(service).toMatchObject({init: true, restart: 'unless-stopped', stop_grace_period: '55s'});
		expect(service.tmpfs[0]).toBe('/spool/auth-homes');
		// Scalable and isolated: no fixed names, no ports, no networks.
		for (const key of ['container_name', 'ports', 'networks', 'network_mode', 'env_file', 'user']) {
			expect(service, `${name}.${key}`).not.toHaveProperty(key);
		}

		expect(service.volumes[0]).toBe('.:/spool');
	}

	// The orchestrator's planner runs claude too, with an auth home of its own.
	expect(file.services.orchestrator!.command).toEqual(['orchestrator']);
	expect(file.services.orchestrator!.volumes).toEqual(['.:/spool', './auth-homes/orchestrator:/spool/auth-homes/orchestrator']);
	expect(file.services.orchestrator!.environment).toEqual(expect.arrayContaining(['ANTHROPIC_API_KEY', 'PUID']));
	expect(file.services.orchestrator!.environment).not.toContain('SPOOL_WORKER=coder');
	expect(file.services['worker-coder']!.command).toBeUndefined();
	expect(file.services.orchestrator!.tmpfs).toEqual(['/spool/auth-homes']);
	// A worker sees its own queue only, and cannot change any prompt; its agents' commands get bubblewrap's namespaces.
	expect(file.services['worker-coder']!.volumes).toEqual(['.:/spool', './auth-homes/coder:/spool/auth-homes/coder', './prompts:/spool/prompts:ro']);
	expect(file.services['worker-coder']!.tmpfs).toEqual(['/spool/auth-homes', ...['tasks', 'processing', 'waiting', 'results', 'rejected'].map(folder => `/spool/${folder}/code-reviewer`)]);
	expect(file.services['worker-coder']!.security_opt).toEqual(['seccomp=unconfined', 'apparmor=unconfined']);
	expect(file.services['worker-coder']!.environment).toEqual(expect.arrayContaining(['SPOOL_WORKER=coder', 'ANTHROPIC_API_KEY', 'PUID', 'PGID']));
	expect(file.services['worker-code-reviewer']!.volumes).toEqual(['.:/spool', './auth-homes/code-reviewer:/spool/auth-homes/code-reviewer', './prompts:/spool/prompts:ro']);
	expect(file.services['worker-code-reviewer']!.tmpfs).toContain('/spool/results/coder');

	expect((await spool(home, ['compose', '--check'])).exitCode).toBe(0);
	const again = await spool(home, ['compose']);
	expect(again.stdout).toContain('unchanged');
});

test('spool compose --check fails once spool.yaml and the compose file drift apart', async () => {
	const home = await makeHome({workers: {coder: {}}});
	const missing = await spool(home, ['compose', '--check']);
	expect(missing.exitCode).toBe(1);
	expect(missing.stderr).toContain('is missing: run "spool compose"');

	expect((await spool(home, ['compose'])).exitCode).toBe(0);
	const config = await fs.readFile(path.join(home, 'spool.yaml'), 'utf8');
	await fs.writeFile(path.join(home, 'spool.yaml'), config.replace('workers:', 'workers:\n  tester: {}'));
	await fs.writeFile(path.join(home, 'prompts', 'tester.md'), 'You test.');
	const drifted = await spool(home, ['compose', '--check']);
	expect(drifted.exitCode).toBe(1);
	expect(drifted.stderr).toContain('differs from what spool.yaml gives: run "spool compose"');
});
