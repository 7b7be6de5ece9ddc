import {answerWaitingTask} from '../../ask/answer-task.ts';
import {loadConfig} from '../../config/load.ts';
import {findTask} from '../../control/find.ts';
import {readFileOption} from '../read-file-option.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const answerCommand: Command = {
	usage: 'answer [WORKER/]ID ("TEXT" | --file F)',
	summary: "answer the question a waiting task's agent asked; the task resumes the same session",
	help: `
A task waits (spool list shows it as waiting) when its agent asked a person a question with ask_human;
results/WORKER/ID.question.md holds the question. The answer goes to the agent as what its question
returned, in the same claude session, resumed from the same folder. --file F reads the answer from a
file ("-": standard input). Writing results/WORKER/ID.answer.md does the same, as does a reply to the
question's Telegram message. The first answer wins; exit 1 when the task was not waiting.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {file: {type: 'string'}});
		const [ref, text, ...extra] = positionals;
		if (ref === undefined || extra.length > 0 || (text === undefined) === (values.file === undefined)) {
			throw new CliUsageError('name one task and give the answer as one argument (quote it) or with --file F');
		}

		const config = loadConfig();
		const entry = findTask(config, ref);
		const answer = text ?? (await readFileOption(values.file!, 'answer_unreadable'));
		const outcome = await answerWaitingTask(config, entry, answer, 'command');
		console.log(outcome.message);
		return outcome.outcome === 'queued' ? 0 : 1;
	},
};
