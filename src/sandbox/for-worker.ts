import type {Config} from '../config/load.ts';
import type {WorkerConfig} from '../config/schema.ts';

/** A worker's sandbox: the home's, with the worker's folders and hosts added and its `enabled` winning. Paths are absolute. */
export type WorkerSandbox = {enabled: boolean; allowWrite: string[]; allowedDomains: string[]};

export function sandboxFor(config: Pick<Config, 'sandbox'>, worker: Pick<WorkerConfig, 'sandbox'>): WorkerSandbox {
	const own = worker.sandbox;
	return {
		enabled: own?.enabled ?? config.sandbox.enabled,
		allowWrite: [...new Set([...config.sandbox.allowWrite, ...(own?.allowWrite ?? [])])],
		allowedDomains: [...new Set([...config.sandbox.allowedDomains, ...(own?.allowedDomains ?? [])])],
	};
}

/**
 * Whether a worker's agents may run shell commands: Bash in allowedTools (bare or with a pattern), or
 * every tool allowed by bypassPermissions, and Bash not taken away again by disallowedTools. A simple
 * worker runs no tools. These are the workers that need the operating-system sandbox.
 */
export function runsCommands(worker: Pick<WorkerConfig, 'allowedTools' | 'disallowedTools' | 'permissionMode' | 'mode'>): boolean {
	if (worker.mode === 'simple' || worker.disallowedTools?.some(tool => tool === 'Bash')) {
		return false;
	}

	return worker.permissionMode === 'bypassPermissions' || (worker.allowedTools ?? []).some(tool => tool === 'Bash' || tool.startsWith('Bash('));
}
