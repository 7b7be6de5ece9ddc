import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import type {Layout} from '../queue/layout.ts';
import {readJsonFile} from '../queue/read-file.ts';
import {SECRET_NAME} from '../worker/redact.ts';
import {checkSandbox} from './available.ts';
import {runsCommands, sandboxFor} from './for-worker.ts';
import {codePaths, protectedPaths} from './protected-paths.ts';
import {runSandbox, type SandboxNote} from './run-settings.ts';

/** What claude may be given to sign in with, whether or not this process has it (an auth home's settings.json can set it). */
const ALWAYS_SECRET = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'];

/** One run's sandbox, ready: its settings, --add-dir flags and environment, what it denies, and its temp folder to remove afterwards. */
export type PreparedSandbox = {settings: Record<string, unknown>; args: string[]; env: Record<string, string>; note: SandboxNote; remove(): void};

/** Where runs' temp folders are made: one folder per user, each run's in it (tmpRoot/W-ID-XXXXXX). */
export function tmpRoot(): string {
	return path.join(os.tmpdir(), `spool-runs-${process.getuid?.() ?? 'user'}`);
}

/**
 * The run's limits (run-settings.ts) and, when its commands are sandboxed, its temp folder, which goes
 * when the run ends (a resumed run gets a new one).
 * `keep`: the run's own folders spool made inside protected ones (a repository's git folder).
 */
export function prepareSandbox(options: {config: Pick<Config, 'sandbox' | 'file' | 'claudeBin'>; worker: Pick<WorkerConfig, 'sandbox' | 'name' | 'allowedTools' | 'disallowedTools' | 'permissionMode' | 'mode'>; layout: Layout; id: string; cwd: string; addDirs: readonly string[]; keep?: readonly string[]}): PreparedSandbox {
	const {config, worker, layout, cwd} = options;
	const sandbox = sandboxFor(config, worker);
	const check = sandbox.enabled && runsCommands(worker) ? checkSandbox() : undefined;
	const commands = check?.ok === true;
	// Only a run whose commands are sandboxed needs a temp folder (its $TMPDIR) and the secrets' names:
	// claude's file tools use neither, and a run without Bash saves the folder's making and removal.
	const tmp = commands ? makeRunTemp(worker.name, options.id) : undefined;
	// The other runs' temp folders are not listed one by one: folders a killed run left could make the
	// settings longer than one argument may be (E2BIG). A loop sweeps them (sweepRunTemps).
	const denied = protectedPaths(layout, config.file);
	const run = runSandbox({sandbox, denied, code: codePaths(config.claudeBin), cwd, addDirs: options.addDirs, keep: options.keep ?? [], tmp, secretNames: commands ? secretNames(layout.authHome(worker.name)) : [], commands, nested: commands && check.nested});
	return {
		settings: run.settings,
		args: run.addDirs.flatMap(dir => ['--add-dir', dir]),
		env: run.env,
		note: run.note,
		remove: () => tmp && removeFolder(tmp),
	};
}

function makeRunTemp(worker: string, id: string): string {
	const root = tmpRoot();
	fs.mkdirSync(root, {recursive: true, mode: 0o700});
	return fs.mkdtempSync(path.join(root, `${worker}-${id.slice(0, 40)}-`));
}

/** An empty folder in one call (most runs leave theirs empty); one with files the slower, recursive way. */
function removeFolder(dir: string): void {
	try {
		fs.rmdirSync(dir);
	} catch {
		fs.rmSync(dir, {recursive: true, force: true});
	}
}

/** The variables unset for a run's commands: the sign-in ones, and every secret-like name of this process's environment and of the auth home's settings.json `env`. */
function secretNames(authHome: string): string[] {
	const settings = readJsonFile(path.join(authHome, 'settings.json'), 1024 * 1024, {followSymlinks: true}) as {env?: unknown} | undefined;
	const env = settings?.env;
	const own = typeof env === 'object' && env !== null ? Object.keys(env) : [];
	return [...new Set([...ALWAYS_SECRET, ...[...Object.keys(process.env), ...own].filter(name => SECRET_NAME.test(name))])];
}

/**
 * Temp folders of this worker's runs that a crash left behind: any older than `olderThanMs` (longer than
 * a run may take) is removed when the loop starts.
 */
export function sweepRunTemps(worker: string, olderThanMs: number, now = Date.now()): number {
	const root = tmpRoot();
	let removed = 0;
	for (const name of fs.existsSync(root) ? fs.readdirSync(root) : []) {
		const dir = path.join(root, name);
		const stat = fs.statSync(dir, {throwIfNoEntry: false});
		if (name.startsWith(`${worker}-`) && stat && now - stat.mtimeMs > olderThanMs) {
			fs.rmSync(dir, {recursive: true, force: true});
			removed++;
		}
	}

	return removed;
}
