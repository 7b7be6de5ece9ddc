import type {Config} from '../config/load.ts';
import type {Logger} from '../log/logger.ts';
import {CREDENTIALS_REPORTED_ENV, describeCredentialFix, findCredentials} from '../queue/credentials.ts';
import {createLayout} from '../queue/layout.ts';

/**
 * Says at start which workers claude would find no credentials for, and how to give them some, instead
 * of letting the first task find out and pause the worker. Returns those workers.
 */
export function reportMissingCredentials(config: Config, workers: readonly string[], logger: Logger): string[] {
	const layout = createLayout(config.home);
	const missing = workers.filter(name => findCredentials(layout.authHome(name)) === undefined);
	if (missing.length === 0) {
		return missing;
	}

	const level = process.env[CREDENTIALS_REPORTED_ENV] === '1' ? 'debug' : 'warn';
	const who = missing.length === 1 ? `worker ${missing[0]} has` : `workers ${missing.join(', ')} have`;
	const message = `${who} no credentials, so ${missing.length === 1 ? 'its first task' : 'the first task of each'} would pause it; ${describeCredentialFix(missing)} (an ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN in spool's own environment serves every worker)`;
	logger[level]({workers: missing}, message);
	return missing;
}
