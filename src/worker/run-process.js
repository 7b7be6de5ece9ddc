// How a claude run's process is started, by the spawner helper (spawner-helper.js) and by the worker
// itself when the helper is not there (spawn-here.ts): one place, so that a run starts the same either way.
// Plain JavaScript with node's builtins only, as the helper must be (run-process.d.ts gives its types).
import {spawn} from 'node:child_process';

/**
 * Starts `request.bin` in a process group of its own (detached: the worker signals the group as a whole),
 * with three pipes, writes the prompt to its stdin and closes it. Throws what spawn throws at once (E2BIG,
 * EACCES...); a child that got no pid emits 'error' next (ENOENT...).
 */
export function startRunProcess(request) {
	const child = spawn(request.bin, request.args, {cwd: request.cwd, env: request.env, detached: true, stdio: ['pipe', 'pipe', 'pipe']});
	if (child.pid !== undefined) {
		// claude may exit without reading its prompt (a bad flag): that broken pipe is not the run's error.
		child.stdin.on('error', () => {});
		child.stdin.end(request.prompt);
	}

	return child;
}
