import {spawnSync} from 'node:child_process';

/** Whether bubblewrap can make a sandbox here, and if not, why (what a person reads at the worker's start). */
export type SandboxCheck = {ok: true} | {ok: false; why: string};

let checked: SandboxCheck | undefined;

/**
 * claude's sandbox on Linux is bubblewrap (`bwrap`) with socat for its network proxy, both found on
 * PATH. Both must be there, and bwrap must be able to make the namespaces it uses: a container whose
 * seccomp profile forbids them has the program but no sandbox. Checked once per process.
 */
export function checkSandbox(env: NodeJS.ProcessEnv = process.env): SandboxCheck {
	checked ??= probe(env);
	return checked;
}

function probe(env: NodeJS.ProcessEnv): SandboxCheck {
	if (process.platform !== 'linux') {
		return {ok: false, why: `spool's sandbox uses bubblewrap, which runs on Linux; this is ${process.platform}`};
	}

	for (const program of ['bwrap', 'socat']) {
		const found = spawnSync('sh', ['-c', `command -v ${program}`], {env, encoding: 'utf8'});
		if (found.status !== 0) {
			return {ok: false, why: `${program} is not installed (on Debian or Ubuntu: apt-get install bubblewrap socat)`};
		}
	}

	const run = spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-net', '--unshare-pid', '--die-with-parent', '--', 'true'], {env, encoding: 'utf8', timeout: 10_000});
	if (run.status !== 0) {
		const said = (run.stderr || run.error?.message || `exit ${run.status ?? run.signal}`).trim().split('\n')[0];
		return {ok: false, why: `bwrap is installed but cannot make a sandbox here (${said}); in a container, run it with the seccomp and AppArmor settings of docs/sandbox.md`};
	}

	return {ok: true};
}

/** For tests: forget the cached answer. */
export function resetSandboxCheck(): void {
	checked = undefined;
}
