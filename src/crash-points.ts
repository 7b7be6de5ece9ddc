/**
 * A test-only switch: SPOOL_CRASH_AT=after-claim (or after-spawn, after-exit, after-temp-result,
 * after-rename) makes the process die by SIGKILL at that point, as a power cut or OOM kill would.
 */
export type CrashPoint = 'after-claim' | 'after-spawn' | 'after-exit' | 'after-temp-result' | 'after-rename';

const armed = process.env.SPOOL_CRASH_AT;

export function crashPoint(point: CrashPoint): void {
	if (armed === point) {
		process.kill(process.pid, 'SIGKILL');
	}
}
