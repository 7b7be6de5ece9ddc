/** The signals that stop a spool process: SIGHUP too, which a closed terminal sends. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * SIGTERM, SIGINT or SIGHUP once: `graceful`. A second one: `immediate`. Returns a function that removes
 * the handlers again.
 */
export function onShutdownSignals(graceful: (signal: NodeJS.Signals) => void, immediate: (signal: NodeJS.Signals) => void): () => void {
	let count = 0;
	const handler = (signal: NodeJS.Signals) => {
		count++;
		(count === 1 ? graceful : immediate)(signal);
	};

	for (const signal of STOP_SIGNALS) {
		process.on(signal, handler);
	}

	return () => {
		for (const signal of STOP_SIGNALS) {
			process.off(signal, handler);
		}
	};
}

/**
 * For the long-running processes (up, worker, orchestrator): once the terminal is gone, every write to it
 * fails (EIO), and a worker that drains must not die of a log line it can no longer show, orphaning its
 * claude runs. The log file still gets every line. Not for commands whose output a pipe may close (tail).
 */
export function ignoreOutputErrors(): void {
	for (const stream of [process.stdout, process.stderr]) {
		if (stream.listenerCount('error') === 0) {
			stream.on('error', () => undefined);
		}
	}
}
