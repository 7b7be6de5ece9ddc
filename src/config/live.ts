import type {Logger} from '../log/logger.ts';
import {loadConfig, type Config} from './load.ts';
import {fileStamp} from '../queue/file-stamp.ts';

/** How often spool.yaml is looked at (one stat) for a change. */
const CHECK_MS = 1000;

/**
 * spool.yaml as it is now, for the settings a running process follows without a restart (the budget, quotas,
 * start limits and notify): re-read when the file's mtime or size changes, at most once a second. A file that
 * no longer parses leaves the last good settings in force, with one log line per bad version.
 */
export class LiveConfig {
	readonly #logger: Logger;
	#config: Config;
	#checkedAt = 0;
	#stamp: string;
	#badStamp: string | undefined;

	constructor(config: Config, logger: Logger) {
		this.#config = config;
		this.#logger = logger;
		this.#stamp = fileStamp(config.file);
	}

	current(now = performance.now()): Config {
		if (now - this.#checkedAt < CHECK_MS) {
			return this.#config;
		}

		this.#checkedAt = now;
		const stamp = fileStamp(this.#config.file);
		if (stamp === this.#stamp || stamp === this.#badStamp) {
			return this.#config;
		}

		try {
			this.#config = loadConfig(this.#config.home, {SPOOL_CLAUDE_BIN: this.#config.claudeBin});
			this.#stamp = stamp;
			this.#badStamp = undefined;
			this.#logger.info({file: this.#config.file}, 'spool.yaml changed: the budget, quota, start limits and notify now follow it (other settings take a restart)');
		} catch (error) {
			this.#badStamp = stamp;
			this.#logger.error({err: error}, 'spool.yaml changed but cannot be used; the settings before the change stay in force');
		}

		return this.#config;
	}
}

