import path from 'node:path';
import type {StoredEvent} from './entry.ts';

/** Telegram takes 4096 characters a message; a message is cut below that, with a pointer to the whole. */
const MAX_TEXT = 3500;

const TITLES: Record<string, string> = {
	question: 'Question',
	task_dead: 'Task dead',
	workflow_done: 'Workflow done',
	budget_warning: 'Budget warning',
	budget_halted: 'Budget halted',
	worker_paused: 'Worker paused',
	report_ready: 'Report ready',
};

/**
 * The text a person reads, the same for every event: a head line (the home, what happened, and to
 * which task, workflow or worker), the event's own message, then what to do next. Per type only small
 * touches: a question's text and how to answer it, a file to read. An event of a type this spool does
 * not know is sent as its message, with its type as the title.
 */
export function formatEvent(event: StoredEvent, options: {home: string; replyable: boolean}): string {
	const fields = event as Record<string, unknown>;
	const text = (name: string) => (typeof fields[name] === 'string' && fields[name] !== '' ? (fields[name] as string) : undefined);
	const title = TITLES[event.type] ?? event.type;
	const subject = subjectOf(text);
	const lines = [`spool ${path.basename(options.home)} · ${title}${subject ? ` · ${subject}` : ''}`, event.message.trim()];
	const question = text('question');
	if (event.type === 'question' && question && !event.message.includes(question.trim())) {
		lines.push('', question.trim());
	}

	const file = text('file') ?? text('summary');
	if (file && !event.message.includes(file)) {
		lines.push('', `Read: ${file}`);
	}

	const next = text('next');
	if (next) {
		lines.push('', `Next: ${next}`);
	}

	// Only Telegram hears replies; elsewhere the question's own `next` says how to answer.
	if (event.type === 'question' && options.replyable) {
		lines.push('', 'Reply to this message to answer it.');
	}

	const joined = lines.join('\n');
	return joined.length > MAX_TEXT ? `${joined.slice(0, MAX_TEXT)}\n… (cut; the whole event is in events/ of the spool home)` : joined;
}

/** What the event is about: WORKER/ID for a task, the workflow, the worker, the day. */
function subjectOf(text: (name: string) => string | undefined): string | undefined {
	const worker = text('worker');
	const id = text('id') ?? text('task');
	if (worker && id) {
		return `${worker}/${id}`;
	}

	const workflow = text('workflow');
	if (workflow) {
		return `workflow ${workflow}`;
	}

	return worker ? `worker ${worker}` : text('date');
}
