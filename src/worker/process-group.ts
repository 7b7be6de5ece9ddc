/** Signals a whole process group (the child was spawned detached, so its pid is the group id). */
export function killProcessGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (pid === undefined) {
		return;
	}

	try {
		process.kill(-pid, signal);
	} catch {
		// ESRCH: the group is already gone.
	}
}
