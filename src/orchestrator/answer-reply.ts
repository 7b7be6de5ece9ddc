import {answerQuestion} from '../ask/answer.ts';
import type {Config} from '../config/load.ts';
import {SpoolError} from '../errors.ts';
import type {ReplyHandler} from '../notify/replies.ts';

/**
 * What the orchestrator does with a Telegram reply to a question: it answers the waiting task
 * (ask/answer.ts, the same step as `spool answer`), and the chat is told the outcome in its words:
 * queued to resume, not waiting, or answered already. An answer spool refuses (empty, too large) is
 * said in the chat too; any other failure is the reply listener's to log.
 */
export function replyHandlerFor(current: () => Config): ReplyHandler {
	return async (ref, text, by) => {
		try {
			return await answerQuestion(current(), ref, text, by);
		} catch (error) {
			if (error instanceof SpoolError) {
				return {outcome: 'refused', message: `${ref.worker}/${ref.id}: ${error.message}`};
			}

			throw error;
		}
	};
}
