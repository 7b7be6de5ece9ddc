import {PARENT_PID_ENV} from '../control/watch-parent.ts';

/** The environment a run gets before its own additions: spool's, passed through, with this worker's own auth home. */
export function claudeEnv(authHome: string): Record<string, string> {
	return {...inheritedEnv(), CLAUDE_CONFIG_DIR: authHome};
}

let inherited: Record<string, string> | undefined;

/** process.env as plain data, read once: each access to process.env is a call into C++. */
function inheritedEnv(): Record<string, string> {
	if (!inherited) {
		inherited = {};
		for (const [key, value] of Object.entries(process.env)) {
			// Not spool's own switches: a `spool` a task runs is no child of `spool up` and has no crash point armed.
			if (value !== undefined && key !== 'SPOOL_CRASH_AT' && key !== PARENT_PID_ENV) {
				inherited[key] = value;
			}
		}
	}

	return inherited;
}
