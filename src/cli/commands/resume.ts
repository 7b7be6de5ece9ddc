import {getWorker, loadConfig} from '../../config/load.ts';
import {clearPause, readPause} from '../../queue/pause.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const resumeCommand: Command = {
	usage: 'resume WORKER',
	summary: 'let a paused worker claim again (after fixing its credentials)',
	help: `
A worker pauses itself when its credentials are refused (and resumes by itself when its auth home
changes) or when it hits a rate limit (and resumes at the reset time). This ends either pause now.`,
	async run(args) {
		const {positionals} = parseCommandArgs(args, {});
		if (positionals.length !== 1) {
			throw new CliUsageError('expected exactly one worker name');
		}

		const config = loadConfig();
		const {name} = getWorker(config, positionals[0]!);
		const pause = readPause(config.home, name);
		if (!pause || !clearPause(config.home, name)) {
			console.log(`${name} was not paused`);
			return 0;
		}

		console.log(`${name} resumed (it was paused since ${pause.since}: ${pause.reason}: ${pause.message})`);
		return 0;
	},
};
