import {decideApproval} from '../../ask/answer-task.ts';
import {loadConfig} from '../../config/load.ts';
import {findTask} from '../../control/find.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

/** `spool approve` and `spool deny`: a person's yes or no to a command of policy.ask that waits for it. */
function decide(decision: 'approve' | 'deny'): Command {
	return {
		usage: decision === 'approve' ? 'approve [WORKER/]ID' : 'deny [WORKER/]ID [--why "REASON"]',
		summary: decision === 'approve' ? 'let a command that waits for approval run; the task resumes the same session' : 'refuse a command that waits for approval; the agent is told why and goes on',
		help: `
A task waits for approval when its agent ran a command that spool's policy asks a person about first
(policy.ask in spool.yaml); results/WORKER/ID.approval.md shows the command. ${decision === 'approve' ? 'approve lets it run' : 'deny refuses it, with --why given to the agent'}, and the task resumes its session from there
(docs/policy.md). A reply to its Telegram message does the same ("approve", or "deny" and why).`,
		async run(args) {
			const {values, positionals} = parseCommandArgs(args, decision === 'deny' ? {why: {type: 'string'}} : {});
			if (positionals.length !== 1) {
				throw new CliUsageError('name one task, as ID or WORKER/ID');
			}

			const config = loadConfig();
			const entry = findTask(config, positionals[0]!);
			const outcome = await decideApproval(config, entry, decision, (values as {why?: string}).why, 'command');
			console.log(outcome.message);
			return outcome.outcome === 'queued' ? 0 : 1;
		},
	};
}

export const approveCommand = decide('approve');
export const denyCommand = decide('deny');
