import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';
import {checkSandbox} from './available.ts';
import {runsCommands, sandboxFor} from './for-worker.ts';

/**
 * Why a worker must not start: its agents may run commands, its sandbox is on, and bubblewrap cannot
 * make one here. spool never runs such a worker unsandboxed without being told to (`enabled: false`).
 */
export function sandboxRefusal(config: Pick<Config, 'sandbox' | 'file'>, worker: Pick<WorkerConfig, 'name' | 'sandbox' | 'allowedTools' | 'disallowedTools' | 'permissionMode' | 'mode'>): string | undefined {
	if (!runsCommands(worker) || !sandboxFor(config, worker).enabled) {
		return undefined;
	}

	const check = checkSandbox();
	if (check.ok) {
		return undefined;
	}

	const fix = check.missing ? 'Install bubblewrap and socat' : 'Fix that';
	return `worker "${worker.name}" may run shell commands (Bash), and its sandbox cannot start: ${check.why}. ${fix}, or run it unsandboxed on purpose with "sandbox: {enabled: false}" in ${config.file} (or under workers.${worker.name}); see docs/sandbox.md`;
}
