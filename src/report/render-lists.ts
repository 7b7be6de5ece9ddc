import {PLANNER} from './day-runs.ts';
import {clock, code, percent, plural, prose, runTime, table, usd} from './markdown.ts';
import type {Report} from './record.ts';
import {countByWorker} from './violations.ts';

/** Past this many failures, questions or running tasks a section names the rest by count, with the command that lists them. */
const LIST_LIMIT = 50;

function more(count: number, command: string): string[] {
	return count > LIST_LIMIT ? ['', `And ${count - LIST_LIMIT} more: ${code(command)}.`] : [];
}

export function renderFailures(report: Report): string[] {
	if (report.failures.length === 0) {
		return ['No task failed.'];
	}

	const lines = report.failures.slice(0, LIST_LIMIT).flatMap(failure => {
		const ref = `${failure.worker}/${failure.id}`;
		return [
			`- ${code(ref)} ${failure.status} at ${clock(failure.finishedAt, report.timezone, report.date)}${failure.attempts > 0 ? ` after ${plural(failure.attempts, 'attempt')}, ${usd(failure.costUsd)}` : ''}: ${code(failure.code)}`,
			...(failure.message ? [`  - ${prose(failure.message)}`] : []),
			`  - ${code(`spool show ${ref}`)}`,
		];
	});
	return [...lines, ...more(report.failures.length, 'spool list --state failed')];
}

/** Per worker, each command spool's policy refused: the command, its rule, the task and when. */
export function renderViolations(report: Report): string[] {
	const violations = report.policyViolations ?? [];
	if (violations.length === 0) {
		return ['No command was refused.'];
	}

	const shown = violations.slice(0, LIST_LIMIT);
	const lines = countByWorker(shown).flatMap(([worker, count]) => [
		`- ${worker}: ${plural(count, 'command')}`,
		...shown.filter(violation => violation.worker === worker).map(violation => `  - ${code(violation.command.replace(/\s+/g, ' ').trim().slice(0, 120))} (rule ${code(violation.rule)}) in ${code(`${violation.worker}/${violation.id}`)} at ${clock(violation.time, report.timezone, report.date)}`),
	]);
	return [...lines, ...more(violations.length, 'spool report --json')];
}

/** Per worker, each write, read or connection the sandbox refused: what, its path or host, the task and when. */
export function renderSandboxBlocks(report: Report): string[] {
	const blocks = report.sandboxBlocks ?? [];
	if (blocks.length === 0) {
		return ['Nothing was blocked.'];
	}

	const shown = blocks.slice(0, LIST_LIMIT);
	const lines = countByWorker(shown).flatMap(([worker, count]) => [
		`- ${worker}: ${plural(count, 'tool call')}`,
		...shown.filter(block => block.worker === worker).map(block => `  - ${block.kind} ${code(block.target.slice(0, 120))} by ${block.tool} in ${code(`${block.worker}/${block.id}`)} at ${clock(block.time, report.timezone, report.date)}`),
	]);
	return [...lines, ...more(blocks.length, 'spool report --json')];
}

export function renderQuestions(report: Report): string[] {
	if (report.questions.length === 0) {
		return ['No task waits for an answer.'];
	}

	const lines = report.questions.slice(0, LIST_LIMIT).flatMap(question => {
		const ref = `${question.worker}/${question.id}`;
		const asked = question.askedAt ? `, asked at ${clock(question.askedAt, report.timezone, report.date)}` : '';
		return [
			`- ${code(ref)}${asked}: ${prose(question.text)}`,
			...(question.options.length > 0 ? [`  - options: ${question.options.map(option => prose(option, 80)).join('; ')}`] : []),
			`  - answer: ${code(`spool answer ${ref} "..."`)}${question.questionFile ? ` (the question in full: ${code(question.questionFile)})` : ''}`,
		];
	});
	return [...lines, ...more(report.questions.length, 'ls waiting/*')];
}

export function renderRunning(report: Report): string[] {
	const waiting = (worker: string) => report.questions.filter(question => question.worker === worker).length;
	const rows = report.queued.map(({worker, tasks}) => [worker, String(report.running.filter(task => task.worker === worker).length), String(tasks), String(waiting(worker))]);
	const running = report.running.slice(0, LIST_LIMIT).map(task => `- ${code(`${task.worker}/${task.id}`)}${task.attempt === null ? ', claimed' : `, attempt ${task.attempt}`}${task.workflow ? `, workflow ${task.workflow}` : ''}`);
	return [
		`As the report was written (${clock(report.writtenAt, report.timezone, report.date)}). Queued counts pending and delayed tasks in tasks/; waiting, tasks that wait for an answer.`,
		'',
		...table(['worker', 'running', 'queued', 'waiting'], rows, [1, 2, 3]),
		...(running.length > 0 ? ['', 'Running:', '', ...running, ...more(report.running.length, 'spool list --state running')] : []),
	];
}

export function renderDeliverables(report: Report): string[] {
	if (report.deliverables.length === 0) {
		return ['No task or workflow of the day named a deliverable.'];
	}

	return report.deliverables.map(item => {
		const of = item.kind === 'task' ? code(item.of) : `workflow ${code(item.of)}`;
		return `- ${of}: ${code(item.path)}${item.kind === 'summary' ? ' (its summary)' : ''}${item.exists ? '' : ' (missing now)'}`;
	});
}

export function renderSlowest(report: Report): string[] {
	if (report.slowest.length === 0) {
		return ['No run that day.'];
	}

	const rows = report.slowest.map(task => [code(`${task.worker}/${task.id}`), runTime(task.durationMs), String(task.runs), usd(task.costUsd), task.state]);
	return [...table(['task', 'run time', 'runs', 'cost', 'state'], rows, [1, 2, 3]), '', 'Run time adds up every run of the task that day.'];
}

export function renderQuota(report: Report): string[] {
	if (report.quota.length === 0) {
		return ['No subscription account reported its windows (an API key reports none).'];
	}

	const rows = report.quota.flatMap(account => {
		const name = account.account.length > 24 ? `${account.account.slice(0, 23)}…` : account.account;
		const windows = account.windows.length > 0 ? account.windows : [undefined];
		return windows.map(window => [
			name,
			window?.name ?? '-',
			window ? `${percent(window.utilization)}${window.atReserve ? ' (at reserve)' : ''}` : '-',
			window ? clock(window.resetsAt, report.timezone, report.date) : '-',
			account.workers.join(', '),
		]);
	});
	const notes = report.quota.flatMap(account => [
		...(account.pausedUntil ? [`- ${account.account} is paused after a usage limit until ${clock(account.pausedUntil, report.timezone, report.date)}.`] : []),
		...(account.updatedAt ? [`- ${account.account}: figures of ${clock(account.updatedAt, report.timezone, report.date)}; spool stops claiming at ${percent(1 - account.reserve)} (quota.reserve ${account.reserve}).`] : []),
	]);
	return [...table(['account', 'window', 'used', 'resets', 'workers'], rows, [2]), '', ...notes];
}

export function renderFeedbackApplied(report: Report): string[] {
	const {applied, next} = report.feedback;
	if (applied.length === 0) {
		return [next.days === 0 ? 'None: report.feedbackDays is 0, so feedback reaches no task.' : `None of the day's finished tasks was given feedback (none written in the ${plural(next.days, 'day')} before).`];
	}

	return applied.flatMap(item => [
		`${code(item.file)} reached ${plural(item.workers.reduce((sum, worker) => sum + worker.tasks, 0), 'finished task')}:`,
		'',
		...item.workers.map(worker => {
			const parts = [...(worker.parts.includes('own') ? ['its own section'] : []), ...(worker.parts.includes('all') ? ['the text for all'] : [])];
			return `- ${worker.worker}: ${plural(worker.tasks, 'task')}, ${parts.length > 0 ? parts.join(' and ') : 'what the file said then (it holds nothing for this worker now)'}`;
		}),
		'',
	]).slice(0, -1);
}

export function renderFeedbackInvite(report: Report): string[] {
	const {next} = report.feedback;
	const worker = report.workers.find(row => row.worker !== PLANNER)?.worker ?? 'coder';
	const when = next.days === 0
		? 'report.feedbackDays is 0 in spool.yaml: no task is given it until that is raised.'
		: `From ${next.givenFrom}, every task's claude is given it with its system prompt, for ${plural(next.days, 'day')} or until a newer file is written; the next report says which tasks it reached.`;
	const written = next.exists
		? [`${code(next.file)} is written${describeWritten(next)}.`, '']
		: [];
	return [
		...written,
		`Write what you think of this day's work in ${code(next.file)}: under a ${code(`## ${worker}`)} heading for that worker alone, anywhere else for every worker. ${when}`,
		'',
		'    Keep answers short; say what you did not check.',
		'',
		`    ## ${worker}`,
		'    Run the tests before you finish.',
	];
}

function describeWritten(next: Report['feedback']['next']): string {
	const parts = [...(next.forAll ? ['text for every worker'] : []), ...(next.workers.length > 0 ? [`sections for ${next.workers.join(', ')}`] : [])];
	return parts.length > 0 ? `, with ${parts.join(' and ')}` : ', but holds nothing for any worker yet';
}
