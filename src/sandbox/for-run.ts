import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import type {Layout} from '../queue/layout.ts';
import {checkSandbox} from './available.ts';
import {sandboxFor} from './for-worker.ts';
import {protectedPaths} from './protected-paths.ts';
import {SECRET_NAME} from '../worker/redact.ts';

/** What claude may be given to sign in with, whether or not this process has it (an auth home's settings.json can set it). */
const ALWAYS_SECRET = ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'CLAUDE_CODE_OAUTH_TOKEN'];
import {runSandbox, type SandboxNote} from './run-settings.ts';

/** One run's sandbox, ready: its settings, --add-dir flags and environment, and its temp folder to remove afterwards. */
export type PreparedSandbox = {settings: Record<string, unknown>; args: string[]; env: Record<string, string>; note: Pick<SandboxNote, 'denied'>; remove(): void};

/**
 * The run's private temp folder (under the machine's temp folder, made 0700) and its limits
 * (run-settings.ts). The folder goes when the run ends; a resumed run gets a new one.
 */
export function prepareSandbox(options: {config: Pick<Config, 'sandbox' | 'file'>; worker: Pick<WorkerConfig, 'sandbox' | 'name'>; layout: Layout; id: string; cwd: string; addDirs: readonly string[]}): PreparedSandbox {
	const {config, worker, layout, cwd} = options;
	const sandbox = sandboxFor(config, worker);
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `spool-${worker.name}-${options.id.slice(0, 40)}-`));
	const denied = protectedPaths(layout, config.file);
	const secretNames = [...new Set([...ALWAYS_SECRET, ...Object.keys(process.env).filter(name => SECRET_NAME.test(name))])];
	const check = sandbox.enabled ? checkSandbox() : undefined;
	const run = runSandbox({sandbox, denied, cwd, addDirs: options.addDirs, tmp, secretNames, nested: check?.ok === true && check.nested});
	const shown = (run.settings.sandbox as {filesystem?: {denyRead?: string[]}} | undefined)?.filesystem?.denyRead ?? denied;
	return {
		settings: run.settings,
		args: run.addDirs.flatMap(dir => ['--add-dir', dir]),
		env: run.env,
		note: {denied: shown},
		remove: () => fs.rmSync(tmp, {recursive: true, force: true}),
	};
}
