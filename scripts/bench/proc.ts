import fs from 'node:fs';

/** Clock ticks per second of /proc/PID/stat (USER_HZ): 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds of a process: its own, and that of its children it has already waited for. */
export type CpuTime = {self: number; children: number};

/**
 * Reads utime, stime, cutime and cstime of a live process (or of this one, with 'self'). For a pid, the
 * CPU of its live child processes (and theirs) is added to `children`: a spool worker's runs are forked
 * by its long-lived spawner helper, which is never reaped while the worker runs, so the jobs' CPU sits
 * in the helper's counters, not yet in the worker's.
 */
export function readCpu(pid: number | 'self'): CpuTime {
	const own = readOwnCpu(pid);
	if (pid === 'self') {
		return own;
	}

	for (const child of liveChildren(pid)) {
		try {
			const theirs = readCpu(child);
			own.children += theirs.self + theirs.children;
		} catch {
			// Ended between the listing and the read: its parent has its CPU once it is reaped.
		}
	}

	return own;
}

function liveChildren(pid: number): number[] {
	try {
		return fs.readdirSync(`/proc/${pid}/task`).flatMap(task => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
	} catch {
		return []; // Gone meanwhile.
	}
}

function readOwnCpu(pid: number | 'self'): CpuTime {
	const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	// The command name may hold spaces and parentheses: the fields start after the last ')'.
	const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
	const [utime, stime, cutime, cstime] = fields.slice(11, 15) as [number, number, number, number];
	return {self: (utime + stime) / TICKS_PER_SECOND, children: (cutime + cstime) / TICKS_PER_SECOND};
}

export function cpuSince(before: CpuTime, after: CpuTime): CpuTime {
	return {self: after.self - before.self, children: after.children - before.children};
}

/** Peak resident set size of a live process so far (VmHWM), in MB (10^6 bytes). */
export function readPeakRssMB(pid: number): number {
	const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
	const kib = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? Number.NaN);
	return (kib * 1024) / 1e6;
}
