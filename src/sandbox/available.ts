import {spawnSync} from 'node:child_process';
import fs from 'node:fs';

/** Whether bubblewrap can make a sandbox here, and if not, why (what a person reads at the worker's start). */
export type SandboxCheck = {ok: true; nested: boolean} | {ok: false; missing: boolean; why: string};

let checked: SandboxCheck | undefined;

/**
 * claude's sandbox on Linux is bubblewrap (`bwrap`) with socat for its network proxy, both found on
 * PATH. Both must be there, and bwrap must be able to make the namespaces it uses: a container whose
 * seccomp profile forbids them has the program but no sandbox. `nested`: it works only without a /proc
 * of its own (a container's is masked), which claude's enableWeakerNestedSandbox is for. Checked once per process.
 */
export function checkSandbox(env: NodeJS.ProcessEnv = process.env): SandboxCheck {
	checked ??= probe(env);
	return checked;
}

function probe(env: NodeJS.ProcessEnv): SandboxCheck {
	if (process.platform === 'darwin') {
		return {ok: true, nested: false}; // claude's sandbox there is the system's own (sandbox-exec): nothing to install.
	}

	if (process.platform !== 'linux') {
		return {ok: false, missing: false, why: `claude's sandbox runs on Linux (bubblewrap) and macOS; this is ${process.platform}`};
	}

	for (const program of ['bwrap', 'socat']) {
		const found = spawnSync('sh', ['-c', `command -v ${program}`], {env, encoding: 'utf8'});
		if (found.status !== 0) {
			return {ok: false, missing: true, why: `${program} is not installed (on Debian or Ubuntu: apt-get install bubblewrap socat)`};
		}
	}

	const bwrap = (proc: string[]) => spawnSync('bwrap', ['--ro-bind', '/', '/', '--dev', '/dev', ...proc, '--unshare-net', '--unshare-pid', '--die-with-parent', '--', 'true'], {env, encoding: 'utf8', timeout: 10_000});
	const full = bwrap(['--proc', '/proc']);
	if (full.status === 0) {
		return {ok: true, nested: false};
	}

	// In a container, /proc is partly masked and a new one cannot be mounted: claude's weaker nested sandbox does without it.
	if (bwrap([]).status === 0) {
		return {ok: true, nested: true};
	}

	const said = (full.stderr || full.error?.message || `exit ${full.status ?? full.signal}`).trim().split('\n')[0];
	const where = fs.existsSync('/.dockerenv')
		? "in a container, bubblewrap needs a non-root user and the service's security_opt [seccomp=unconfined, apparmor=unconfined] (spool compose writes them)"
		: "the host must allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile for bwrap)";
	return {ok: false, missing: false, why: `bwrap is installed but cannot make a sandbox here (${said}): ${where}`};
}

/** For tests: forget the cached answer. */
export function resetSandboxCheck(): void {
	checked = undefined;
}
