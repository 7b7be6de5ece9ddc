import type {Config} from '../config/load.ts';
import type {ReplyHandler} from '../notify/replies.ts';

/**
 * What the orchestrator does with a Telegram reply to a question. Until src/ask/answer.ts (answering a
 * waiting task) is part of spool, it says in the chat that the answer was not taken.
 */
export function replyHandlerFor(_current: () => Config): ReplyHandler {
	return async ref => ({outcome: 'not-waiting', message: `spool cannot take answers from Telegram yet: ${ref.worker}/${ref.id} still waits for one.`});
}
