import {z} from 'zod';
import {ANSWER_ENV} from '../ask/run-options.ts';
import {SpoolError} from '../errors.ts';
import {defineTool, type Tool} from './tool.ts';

/**
 * The one tool of `spool mcp --run`, which spool passes to every run. The call itself never runs while
 * the question is open: the run's PreToolUse hook defers it, claude ends the run, and the task waits
 * (docs/ask.md). Resumed once a person answered, the hook lets the call through and it returns the
 * answer, which the worker put in the run's environment.
 */
export const askHumanTool: Tool = defineTool({
	name: 'ask_human',
	description:
		'Ask the person who runs this team a question, when you cannot go on well without their decision or knowledge: a choice with real trade-offs, '
		+ 'access or credentials you lack, requirements that are unclear or contradict each other. Your run pauses here and ends; when the person has answered '
		+ '(in minutes or hours), this same session resumes and this call returns their answer. Ask one clear question that stands on its own, give the options '
		+ 'when there are a few, and in context say what you found and what you would recommend. Do not ask what you can find out yourself.',
	input: z.strictObject({
		question: z.string().min(1).describe('The question, complete in itself: the person reads it on a phone, without your transcript.'),
		options: z.array(z.string()).optional().describe('The answers you see, if there are a few; the person may still answer otherwise.'),
		context: z.string().optional().describe('What you found so far and what you recommend, briefly.'),
	}),
	async run() {
		const answer = process.env[ANSWER_ENV];
		if (answer === undefined) {
			throw new SpoolError('no_person', 'this run cannot wait for a person (its PreToolUse hook did not defer the call: are hooks turned off in the worker\'s settings?); go on with your best judgement and say what you assumed');
		}

		return `The person answered:\n\n${answer}`;
	},
});
