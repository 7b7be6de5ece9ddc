import {fileURLToPath} from 'node:url';
import {defineConfig} from 'vitest/config';

/** Only for npm run test:docker (scripts/test-docker.sh starts the engine first); npm test never runs these. */
export default defineConfig({
	root: fileURLToPath(new URL('../..', import.meta.url)),
	test: {
		include: ['test/docker/**/*.docker.ts'],
		testTimeout: 600_000,
		hookTimeout: 600_000,
	},
});
