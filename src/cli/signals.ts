/**
 * SIGTERM or SIGINT once: `graceful`. A second one: `immediate`. Returns a function that removes the
 * handlers again.
 */
export function onShutdownSignals(graceful: (signal: NodeJS.Signals) => void, immediate: (signal: NodeJS.Signals) => void): () => void {
	let count = 0;
	const handler = (signal: NodeJS.Signals) => {
		count++;
		(count === 1 ? graceful : immediate)(signal);
	};

	process.on('SIGTERM', handler);
	process.on('SIGINT', handler);
	return () => {
		process.off('SIGTERM', handler);
		process.off('SIGINT', handler);
	};
}
