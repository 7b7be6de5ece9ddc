import fs from 'node:fs';

/** Clock ticks per second of /proc/PID/stat (USER_HZ): 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds of a process: its own, and that of its children it has already waited for. */
export type CpuTime = {self: number; children: number};

/** Reads utime, stime, cutime and cstime of a live process (or of this one, with 'self'). */
export function readCpu(pid: number | 'self'): CpuTime {
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
