import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {execa} from 'execa';
import {parse, stringify} from 'yaml';
import {ROOT} from '../helpers/home.ts';

/** The host user of the test's clone: the data root belongs to this uid, as a Linux user's clone would. */
export const HOST_UID = 1000;
export const PROJECT = 'spooldockertest';
const COMPOSE_FILE = 'docker-compose.claude-cli.yml';
/** What a user's clone holds that the image and the compose file need. */
const CLONE_FILES = ['Dockerfile.worker', '.dockerignore', COMPOSE_FILE, 'package.json', 'package-lock.json', 'bin', 'src', 'spool.yaml', 'prompts', 'auth-homes/.gitkeep'];

export type ComposeProject = {
	dir: string;
	compose(args: string[], options?: {reject?: boolean}): Promise<{exitCode?: number; stdout: string; stderr: string}>;
	containers(service?: string): Promise<string[]>;
	docker(args: string[]): Promise<string>;
};

/**
 * A fresh clone-like folder with the shipped compose file and a test-only override: the host's network
 * (containers reach the stand-in API on 127.0.0.1 only that way, and the test's engine has no bridge)
 * and a 1 s health check interval. The shipped file itself is used unchanged.
 */
export async function createComposeProject(baseImage: string): Promise<ComposeProject> {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-docker-'));
	await fs.chmod(dir, 0o755);
	for (const entry of CLONE_FILES) {
		await fs.cp(path.join(ROOT, entry), path.join(dir, entry), {recursive: true});
	}

	const shipped = parse(await fs.readFile(path.join(dir, COMPOSE_FILE), 'utf8')) as {services: Record<string, unknown>};
	const services = Object.fromEntries(
		Object.keys(shipped.services).map(name => [name, {build: {network: 'host'}, network_mode: 'host', healthcheck: {interval: '1s'}}]),
	);
	await fs.writeFile(path.join(dir, 'docker-compose.test.yml'), stringify({services}));
	const files = ['-f', COMPOSE_FILE, '-f', 'docker-compose.test.yml'];
	const docker = async (args: string[]) => (await execa('docker', args)).stdout;
	return {
		dir,
		async compose(args, options = {}) {
			return execa('docker-compose', ['-p', PROJECT, ...files, ...args], {cwd: dir, env: {BASE_IMAGE: baseImage}, reject: options.reject ?? true, all: false});
		},
		async containers(service) {
			const filters = ['--filter', `label=com.docker.compose.project=${PROJECT}`, ...(service ? ['--filter', `label=com.docker.compose.service=${service}`] : [])];
			return (await docker(['ps', '-aq', ...filters])).split('\n').filter(Boolean);
		},
		docker,
	};
}

/** Waits until every listed container reports healthy (the image's HEALTHCHECK runs spool health). */
export async function waitHealthy(project: ComposeProject, ids: string[], timeoutMs = 120_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const states = (await project.docker(['inspect', '--format', '{{.State.Health.Status}}', ...ids])).split('\n');
		if (states.every(state => state === 'healthy')) {
			return;
		}

		if (Date.now() > deadline) {
			throw new Error(`containers not healthy after ${timeoutMs} ms: ${states.join(', ')}`);
		}

		await new Promise(resolve => setTimeout(resolve, 500));
	}
}

/** Owner uid of every entry under `dir`, by path relative to it. */
export async function ownersUnder(dir: string): Promise<Map<string, number>> {
	const found = new Map<string, number>();
	const visit = async (entry: string): Promise<void> => {
		const stat = await fs.lstat(entry);
		found.set(path.relative(dir, entry) || '.', stat.uid);
		if (stat.isDirectory()) {
			await Promise.all((await fs.readdir(entry)).map(async name => visit(path.join(entry, name))));
		}
	};

	await visit(dir);
	return found;
}

/** Writes a file as the host user would: their own file, renamed into place. */
export async function writeFileAs(uid: number, file: string, text: string): Promise<void> {
	const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
	await fs.mkdir(path.dirname(file), {recursive: true});
	await fs.writeFile(temp, text);
	await fs.chown(temp, uid, uid);
	await fs.rename(temp, file);
}

export async function dropTaskAs(uid: number, dir: string, worker: string, id: string, task: unknown): Promise<void> {
	await writeFileAs(uid, path.join(dir, 'tasks', worker, `${id}.json`), JSON.stringify(task));
}
