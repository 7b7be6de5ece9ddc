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

/** Signals one process only (claude itself, which then stops its own tools). */
export function killProcess(pid: number | undefined, signal: NodeJS.Signals): void {
	if (pid === undefined) {
		return;
	}

	try {
		process.kill(pid, signal);
	} catch {
		// ESRCH: it is already gone.
	}
}
