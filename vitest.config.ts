import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		// The tests drive real processes on tight clocks (1 s leases): on a 2-core machine, files running
		// side by side would starve each other's heartbeats. One file at a time keeps timings honest.
		fileParallelism: false,
		testTimeout: 30_000,
		hookTimeout: 30_000,
		include: ['test/**/*.test.ts'],
		setupFiles: ['test/setup/stale-shell-locks.ts'],
	},
});
