/** How `spool up` tells each child its own pid: the child watches for it to go. */
export const PARENT_PID_ENV = 'SPOOL_PARENT_PID';

/**
 * Calls `onGone` once when the `spool up` that started this process is gone: a kill -9 of it leaves its
 * children re-parented (to init or a subreaper), so process.ppid no longer names it. A 1 s unref'd
 * timer, one getppid per tick. Without SPOOL_PARENT_PID (started by hand, or in a container), nothing is
 * watched. Returns a function that stops watching.
 */
export function watchParent(onGone: (parentPid: number) => void, env: NodeJS.ProcessEnv = process.env, intervalMs = 1000): () => void {
	const parentPid = Number(env[PARENT_PID_ENV]);
	if (!Number.isSafeInteger(parentPid) || parentPid <= 0) {
		return () => undefined;
	}

	const check = () => {
		if (process.ppid !== parentPid) {
			clearInterval(timer);
			onGone(parentPid);
		}
	};

	const timer = setInterval(check, intervalMs);
	timer.unref();
	check();
	return () => clearInterval(timer);
}
