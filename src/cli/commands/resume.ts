import {getWorker, loadConfig} from '../../config/load.ts';
import {withoutPause} from '../../quota/changes.ts';
import {findWorkerAccount} from '../../quota/lookup.ts';
import {updateQuotaRecord, type QuotaPause} from '../../quota/state.ts';
import {createLayout} from '../../queue/layout.ts';
import {clearPause, readPause} from '../../queue/pause.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const resumeCommand: Command = {
	usage: 'resume WORKER',
	summary: 'let a paused worker claim again (after fixing its credentials)',
	help: `
A worker pauses itself when its credentials are refused (and resumes by itself when its auth home
changes) or when it hits a rate limit (and resumes at the reset time). A subscription's usage limit
pauses every worker of the account (docs/quota.md). This ends any of these pauses now.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length !== 1) {
			throw new CliUsageError('expected exactly one worker name');
		}

		const config = loadConfig();
		const {name} = getWorker(config, positionals[0]!);
		const pause = readPause(config.home, name);
		const resumed = pause !== undefined && clearPause(config.home, name);
		const accountPause = await liftAccountPause(config.home, name);
		if (!resumed && !accountPause) {
			console.log(`${name} was not paused`);
			return 0;
		}

		if (resumed) {
			console.log(`${name} resumed (it was paused since ${pause.since}: ${pause.reason}: ${pause.message})`);
		}

		if (accountPause) {
			console.log(`${name}'s account ${accountPause.account} resumed, for every worker of it (it was paused since ${accountPause.pause.since} until ${accountPause.pause.until}: ${accountPause.pause.message})`);
		}

		return 0;
	},
};

/** Ends the usage-limit pause of the worker's account, if it has one still ahead. */
async function liftAccountPause(home: string, worker: string): Promise<{account: string; pause: QuotaPause} | undefined> {
	const layout = createLayout(home);
	const {account, record} = findWorkerAccount(layout, worker);
	if (!record?.pause || !(Date.parse(record.pause.until) > Date.now())) {
		return undefined;
	}

	let lifted: QuotaPause | undefined;
	await updateQuotaRecord(layout, account.key, account.source, current => {
		lifted = current.pause;
		return withoutPause(current);
	});
	return lifted && {account: account.key, pause: lifted};
}
