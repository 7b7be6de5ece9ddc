import fs from 'node:fs';

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

type ProcessEntry = {pid: number; ppid: number; session: number};

/** Every process's parent and session, from /proc/PID/stat (fields after the command, which may hold spaces). */
function readProcesses(): ProcessEntry[] {
	const entries: ProcessEntry[] = [];
	for (const name of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) {
			continue;
		}

		try {
			const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
			const [, ppid, , session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			entries.push({pid: Number(name), ppid: Number(ppid), session: Number(session)});
		} catch {
			// Gone between the listing and the read.
		}
	}

	return entries;
}

/**
 * The sessions that `pid`'s descendants run in, other than its own. claude starts each Bash tool in a
 * session of its own (setsid), out of reach of a signal to claude's group; a process of such a session
 * that its shell left behind (a `sleep` of a loop whose shell was killed) is found by its session once it
 * has no parent of ours. Read only when a run is stopped, never on the way of a run that ends by itself.
 */
export function toolSessionsOf(pid: number | undefined): Set<number> {
	const sessions = new Set<number>();
	if (pid === undefined) {
		return sessions;
	}

	try {
		const processes = readProcesses();
		const ours = new Set([pid]);
		for (let grew = true; grew; ) {
			grew = false;
			for (const entry of processes) {
				if (!ours.has(entry.pid) && ours.has(entry.ppid)) {
					ours.add(entry.pid);
					grew = true;
				}
			}
		}

		for (const entry of processes) {
			if (ours.has(entry.pid) && entry.session !== pid) {
				sessions.add(entry.session);
			}
		}
	} catch {
		// No /proc: the group kill is all there is.
	}

	return sessions;
}

/** Signals every process of the given sessions. */
export function killSessions(sessions: ReadonlySet<number>, signal: NodeJS.Signals): void {
	if (sessions.size === 0) {
		return;
	}

	try {
		for (const entry of readProcesses()) {
			if (sessions.has(entry.session)) {
				killProcess(entry.pid, signal);
			}
		}
	} catch {
		// No /proc.
	}
}
