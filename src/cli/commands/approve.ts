import {answerQuestion} from '../../ask/answer.ts';
import {loadConfig} from '../../config/load.ts';
import {findTask} from '../../control/find.ts';
import {SpoolError} from '../../errors.ts';
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
			const ask = entry.task?.ask as {kind?: unknown} | undefined;
			if (entry.state !== 'waiting' || ask?.kind !== 'approval') {
				throw new SpoolError('not_waiting', `${entry.worker}/${entry.id} is ${entry.state}${entry.state === 'waiting' ? ' for an answer to a question (spool answer answers it)' : ''}, not waiting for approval of a command`);
			}

			const why = (values as {why?: string}).why;
			const outcome = await answerQuestion(config, {worker: entry.worker, id: entry.id}, decision === 'approve' ? 'approve' : `deny ${why ?? ''}`.trim(), 'command');
			console.log(outcome.message);
			return outcome.outcome === 'queued' ? 0 : 1;
		},
	};
}

export const approveCommand = decide('approve');
export const denyCommand = decide('deny');
