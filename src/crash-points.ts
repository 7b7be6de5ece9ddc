/**
 * A test-only switch: SPOOL_CRASH_AT=after-claim (or after-spawn, after-exit, after-temp-result,
 * after-rename, after-park-fence, after-answer-fence) makes the process die by SIGKILL at that point, as a
 * power cut or OOM kill would.
 */
export type CrashPoint = 'after-claim' | 'after-spawn' | 'after-exit' | 'after-temp-result' | 'after-rename' | 'after-park-fence' | 'after-answer-fence';

const armed = process.env.SPOOL_CRASH_AT;

export function crashPoint(point: CrashPoint): void {
	if (armed === point) {
		process.kill(process.pid, 'SIGKILL');
	}
}
