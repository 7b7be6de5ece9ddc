import {quoteForShell, SPOOL_BIN} from '../cli/spool-command.ts';
import {carve, spellings} from './protected-paths.ts';
import type {WorkerSandbox} from './for-worker.ts';

/** The environment the PostToolUse hook reads: the paths hidden from the run, to tell the model why a command failed. */
export const SANDBOX_ENV = 'SPOOL_SANDBOX';

/** What the hook and the block log need: the paths denied to the run, where it may write, which hosts it may reach, whether its commands are sandboxed. */
export type SandboxNote = {denied: string[]; writable: string[]; domains: string[]; commands: boolean};

/** What one run gets: claude settings (merged into its --settings), folders for --add-dir, environment, and what was denied. */
export type RunSandbox = {settings: Record<string, unknown>; addDirs: string[]; env: Record<string, string>; note: SandboxNote};

/**
 * The limits of one run, in claude's own terms (checked against claude 2.1.329):
 * - permissions for its file tools: `blockWritesOutsideWorkingDirectories` (Write and Edit only in the
 *   cwd and the --add-dir folders) and deny rules: Read and Edit of every protected path, Edit of spool's code;
 * - when its commands are to be sandboxed (`commands`: the worker may run Bash, and bubblewrap runs
 *   here), every Bash command under bubblewrap: writes only in the cwd, the allowWrite folders and the
 *   run's own temp folder (CLAUDE_CODE_TMPDIR); the protected paths neither readable nor writable,
 *   spool's code not writable; the network only through claude's proxy to allowedDomains; no way out
 *   of it (`allowUnsandboxedCommands: false`), and claude refuses to start rather than run without it
 *   (`failIfUnavailable`); the environment's secrets unset for the commands (`credentials.envVars`),
 *   though claude itself keeps them; a PostToolUse hook on Bash that tells the model, after the tool's
 *   result, when the sandbox blocked it.
 * `keep`: the run's own folders inside protected ones (its cwd, a skill's mount, a repository's git
 * folder, its temp folder), cut out of the denied paths so that it can read them.
 */
export function runSandbox(options: {sandbox: WorkerSandbox; denied: readonly string[]; code: readonly string[]; cwd: string; addDirs: readonly string[]; keep: readonly string[]; tmp?: string; secretNames: readonly string[]; commands: boolean; nested?: boolean}): RunSandbox {
	const {sandbox, cwd, tmp} = options;
	const writable = [cwd, ...options.addDirs, ...sandbox.allowWrite];
	const denied = carve(options.denied, [cwd, ...options.addDirs, ...sandbox.allowWrite, ...options.keep, ...(tmp ? [tmp] : [])].flatMap(spellings));
	const rules = [...denied.flatMap(file => [`Read(/${file})`, `Read(/${file}/**)`, `Edit(/${file})`, `Edit(/${file}/**)`]), ...options.code.flatMap(file => [`Edit(/${file})`, `Edit(/${file}/**)`])];
	const settings: Record<string, unknown> = {permissions: {blockWritesOutsideWorkingDirectories: true, deny: rules}};
	const note: SandboxNote = {denied, writable: tmp ? [...writable, tmp] : writable, domains: sandbox.allowedDomains, commands: options.commands};
	if (!options.commands) {
		return {settings, addDirs: sandbox.allowWrite, env: {}, note};
	}

	if (!tmp) {
		throw new Error('a run whose commands are sandboxed needs a temp folder of its own');
	}

	const hook = {type: 'command', command: `${quoteForShell(process.execPath)} ${quoteForShell(SPOOL_BIN)} hook post-tool-use`};
	settings.sandbox = {
		enabled: true,
		allowUnsandboxedCommands: false,
		failIfUnavailable: true,
		...(options.nested ? {enableWeakerNestedSandbox: true} : {}),
		filesystem: {allowWrite: sandbox.allowWrite, denyRead: denied, denyWrite: [...denied, ...options.code]},
		network: {allowedDomains: sandbox.allowedDomains},
		credentials: {envVars: options.secretNames.map(name => ({name, mode: 'deny'}))},
	};
	settings.hooks = {PostToolUse: [{matcher: 'Bash', hooks: [hook]}], PostToolUseFailure: [{matcher: 'Bash', hooks: [hook]}]};
	return {settings, addDirs: sandbox.allowWrite, env: {CLAUDE_CODE_TMPDIR: tmp, [SANDBOX_ENV]: JSON.stringify(note)}, note};
}

/** Two claude settings objects as one: hooks of each event side by side, permissions' deny lists joined, the rest the later's. */
export function mergeSettings(first: Record<string, any>, second: Record<string, any>): Record<string, unknown> {
	const merged: Record<string, any> = {...first, ...second};
	if (first.hooks && second.hooks) {
		merged.hooks = {...first.hooks};
		for (const [event, matchers] of Object.entries(second.hooks as Record<string, unknown[]>)) {
			merged.hooks[event] = [...(first.hooks[event] ?? []), ...matchers];
		}
	}

	if (first.permissions && second.permissions) {
		merged.permissions = {...first.permissions, ...second.permissions, deny: [...(first.permissions.deny ?? []), ...(second.permissions.deny ?? [])]};
	}

	return merged;
}
