import {z} from 'zod';
import {EVENT_TYPES} from '../events/types.ts';
import {duration, durationAtLeast, formatDuration} from './duration.ts';

/** A worker or task name: safe as a single path segment. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const permissionMode = z.enum(['acceptEdits', 'bypassPermissions', 'default', 'plan', 'dontAsk']);

/** A sum of US dollars: at least $0.0001 (budget/state.ts MIN_RUN_USD, less than one model call) and finite. */
const usd = z.number().finite().min(0.0001, 'must be at least 0.0001 (a hundredth of a cent), less than one model call costs');

/** An IANA time zone the runtime knows, such as "Europe/Paris". */
const timezone = z.string().min(1).refine(zone => {
	try {
		new Intl.DateTimeFormat('en-CA', {timeZone: zone});
		return true;
	} catch {
		return false;
	}
}, 'must be an IANA time zone such as "Europe/Paris" or "UTC"');

const quotaSchema = z.strictObject({
	/**
	 * The share of each subscription window (5-hour, 7-day) spool leaves for the person's own use: a
	 * worker stops claiming when a window's utilisation reaches 1 - reserve, until that window resets.
	 * @default 0.2
	 */
	reserve: z.number().min(0).max(1).default(0.2),
});

const limitsSchema = z.strictObject({
	/** Claude starts per minute at most, shared by every loop and container (a token bucket on disk, docs/limits.md). */
	startsPerMinute: z.number().finite().min(0.01, 'must be at least 0.01 (one start in 100 minutes)').max(60_000).optional(),
	/** Starts the bucket holds when it is full: how many may start at once after a quiet spell. @default startsPerMinute / 6 rounded up (ten seconds' worth), at least 1 */
	burst: z.number().int().min(1).max(100_000).optional(),
}).superRefine((limits, context) => {
	if (limits.burst !== undefined && limits.startsPerMinute === undefined) {
		context.addIssue({code: 'custom', path: ['burst'], message: 'has no effect without startsPerMinute beside it: set the rate too, or remove burst'});
	}
});

const policyRule = z.string().trim().min(1, 'a rule is a command and its first words, such as "git push"');
const policySchema = z.strictObject({
	/** Commands no run may execute, by their first words ("git push"). @default every git command that writes, and common migration appliers (src/policy/rules.ts) */
	deny: z.array(policyRule).optional(),
	/** Commands that need a person's approval first (spool approve / spool deny). @default [] */
	ask: z.array(policyRule).optional(),
	/** What a denied command does to the task: `deny` refuses the command and the run goes on; `halt` ends the task as policy_violation. @default deny */
	onViolation: z.enum(['deny', 'halt']).optional(),
});

/** A host a run's commands may reach: a name, or "*." and a name for its subdomains; never a scheme, port or path. */
const sandboxDomain = z
	.string()
	.trim()
	.toLowerCase()
	.regex(/^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, 'a host name such as registry.npmjs.org, or *.example.com for its subdomains, with no scheme, port or path');
const sandboxPath = z.string().trim().min(1, 'a folder: absolute, ~/..., or relative to SPOOL_HOME');
const sandboxFields = {
	/** Run every Bash command of an agent under bubblewrap (docs/sandbox.md); false only to opt out where it cannot run. @default true */
	enabled: z.boolean(),
	/** Folders a run's commands may write besides its cwd and its own temp folder; absolute, ~/..., or relative to SPOOL_HOME. @default [] */
	allowWrite: z.array(sandboxPath),
	/** Hosts a run's commands may reach (registry.npmjs.org, *.github.com); none else. @default [] */
	allowedDomains: z.array(sandboxDomain),
};
const sandboxSchema = z.strictObject({enabled: sandboxFields.enabled.default(true), allowWrite: sandboxFields.allowWrite.default([]), allowedDomains: sandboxFields.allowedDomains.default([])});

const workerSchema = z.strictObject({
	/** This worker's system prompt, relative to SPOOL_HOME. @default prompts/NAME.md */
	prompt: z.string().min(1).optional(),
	/** One line saying what the worker is for (shown to the planner and in `spool status`). */
	description: z.string().optional(),
	/** Claude processes at once in one worker loop. @default 1 */
	concurrency: z.number().int().min(1).max(64).default(1),
	/** Model alias or name passed as --model. */
	model: z.string().min(1).optional(),
	/** A headless run can never answer a permission prompt, so the mode is explicit. @default acceptEdits */
	permissionMode: permissionMode.default('acceptEdits'),
	allowedTools: z.array(z.string().min(1)).optional(),
	disallowedTools: z.array(z.string().min(1)).optional(),
	/** Wall-clock limit for one run of a task, at least 1ms. @default 30m */
	timeout: durationAtLeast('1ms').prefault('30m'),
	/** Passed as --max-turns when a task does not set its own. */
	maxTurns: z.number().int().positive().optional(),
	/** This worker's own daily budget, inside the home's budget.dailyUsd. */
	dailyUsd: usd.optional(),
	/** The most one run of this worker may cost; overrides budget.perTaskUsd. */
	perTaskUsd: usd.optional(),
	/** Overrides the home's quota settings for this worker. */
	quota: quotaSchema.partial().optional(),
	/** A start-rate limit of this worker's own, beside the home's limits. */
	limits: limitsSchema.optional(),
	/** Adds to the home's policy: more deny and ask rules, `allow` takes rules of the home's away, onViolation overrides. */
	policy: policySchema.extend({allow: z.array(policyRule).optional()}).optional(),
	/** `agent`: claude works with its tools; `simple`: one model call with no tools, its answer written to the task's `output` (docs/skills.md). A task's own `mode` wins. @default agent */
	mode: z.enum(['agent', 'simple']).optional(),
	/** Adds to the home's sandbox: more folders to write and hosts to reach; `enabled` overrides. */
	sandbox: z.strictObject({enabled: sandboxFields.enabled.optional(), allowWrite: sandboxFields.allowWrite.optional(), allowedDomains: sandboxFields.allowedDomains.optional()}).optional(),
});

const skillsSchema = z.strictObject({
	/** The folder of skills, one `NAME/SKILL.md` each (with its templates); `~` is the user's home, a relative path is relative to SPOOL_HOME. A task's `skill` names one of them. */
	dir: z.string().min(1),
});

// Every duration is "500ms", "30s", "10m", "2h", "1d" or a number of seconds, and at most 2147483647 ms
// (about 24.8 days): a longer Node.js timer fires after 1 ms. Those with no stated minimum may be 0.
const queueSchema = z.strictObject({
	/** A claim not renewed for this long is taken back; at least 1s, as it is renewed every third of it. @default 30s */
	lease: durationAtLeast('1s').prefault('30s'),
	/** How often the directory is scanned even without file events; at least 10ms, so a scan is not a busy loop. @default 1s */
	scanInterval: durationAtLeast('10ms').prefault('1s'),
	/** How long an unparsable task file must stay unchanged before it is rejected. @default 5s */
	parseGrace: duration.prefault('5s'),
	/** Time running tasks get to finish after SIGTERM before they are handed back. @default 20s */
	drainTimeout: duration.prefault('20s'),
	/** Use stat polling instead of native file events (bind mounts, network filesystems). @default false */
	usePolling: z.boolean().default(false),
	/** Paid attempts at most per task, crashed ones included; then it is dead-lettered. @default 3 */
	maxAttempts: z.number().int().min(1).max(100).default(3),
	/** Backoff before the first retry; it doubles per attempt, with jitter. @default 10s */
	retryBackoff: duration.prefault('10s'),
	/** The longest backoff between two attempts; at least retryBackoff. @default 10m */
	retryBackoffMax: duration.prefault('10m'),
	/** How long a worker waits after a rate limit that named no reset time; at least 1s, so a pause is never a retry storm. @default 60s */
	rateLimitWait: durationAtLeast('1s').prefault('60s'),
}).superRefine((queue, context) => {
	if (queue.retryBackoffMax < queue.retryBackoff) {
		const message = `must be at least queue.retryBackoff (${formatDuration(queue.retryBackoff)}), the backoff it caps; it is ${formatDuration(queue.retryBackoffMax)}`;
		context.addIssue({code: 'custom', path: ['retryBackoffMax'], message});
	}
});

const orchestratorSchema = z.strictObject({
	/** The planner's system prompt (`spool plan`, goals/), relative to SPOOL_HOME. @default prompts/orchestrator.md */
	prompt: z.string().min(1).default('prompts/orchestrator.md'),
	/** Model alias or name the planner runs with. */
	model: z.string().min(1).optional(),
	/** Wall-clock limit of one planner run, at least 1ms. @default 10m */
	timeout: durationAtLeast('1ms').prefault('10m'),
	/** Built-in tools the planner may use, e.g. ["Read", "Glob"]. It plans from the goal and the worker list alone. @default [] */
	tools: z
		.array(z.string().min(1))
		.refine(tools => !tools.some(tool => tool === 'Bash' || tool.startsWith('Bash(')), 'the planner plans from the goal and the workers: it runs no commands, so Bash is not one of its tools (docs/sandbox.md)')
		.default([]),
});

const budgetSchema = z.strictObject({
	/** What the whole home (every worker, loop and container) may spend in a day; at 100 % no loop claims until midnight. */
	dailyUsd: usd.optional(),
	/** The share of dailyUsd at which one warning is logged and sent. @default 0.75 */
	warnAt: z.number().gt(0).max(1).default(0.75),
	/** Where the day ends, and the date of the ledger files. @default the machine's time zone */
	timezone: timezone.optional(),
	/** The most one run may cost (--max-budget-usd); a task's maxCostUsd may lower it. */
	perTaskUsd: usd.optional(),
});

/** An absolute http:// or https:// URL. */
const httpUrl = z.string().refine(text => {
	try {
		return ['http:', 'https:'].includes(new URL(text).protocol);
	} catch {
		return false;
	}
}, 'must be an http:// or https:// URL');

const telegramSchema = z.strictObject({
	/** The bot's token, as @BotFather gives it ("123456789:AA..."). It is never logged, stored or shown. */
	botToken: z.string().regex(/^\d+:[\w-]+$/, 'must be a bot token as @BotFather gives it: digits, a colon, then letters, digits, "_" and "-"'),
	/** The chat the bot writes to, and the only one it listens to for replies: a numeric id ("-1001234567890" for a group) or "@channelname". */
	chatId: z.union([z.string().regex(/^(-?\d+|@\w+)$/, 'must be a numeric chat id such as "-1001234567890" or a "@channelname"'), z.number().int()]).transform(String),
	/** The Bot API's address (a stand-in's in tests). @default https://api.telegram.org */
	apiBase: httpUrl.default('https://api.telegram.org'),
});

const webhookSchema = z.strictObject({
	/** Where each event is POSTed. The URL may hold a secret (a Slack webhook's does): only its host is ever logged. */
	url: httpUrl,
	/** `slack`: `{"text": MESSAGE}`; `json`: the event as it is in events/DATE.jsonl. @default json */
	format: z.enum(['slack', 'json']).default('json'),
});

const notifySchema = z
	.strictObject({
		/** Messages to one Telegram chat, whose replies to a question answer it. */
		telegram: telegramSchema.optional(),
		/** HTTP endpoints each event is POSTed to. @default [] */
		webhooks: z.array(webhookSchema).default([]),
		/** Which events are sent. @default every one: question, task_dead, workflow_done, budget_warning, budget_halted, worker_paused, report_ready */
		events: z.array(z.enum(EVENT_TYPES)).default([...EVENT_TYPES]),
	})
	.superRefine((notify, context) => {
		if (!notify.telegram && notify.webhooks.length === 0) {
			context.addIssue({code: 'custom', path: [], message: 'names no telegram and no webhooks, so nothing would be sent: add one, or remove notify'});
		}
	});

const askSchema = z.strictObject({
	/** How long a question an agent asked (ask_human) waits for a person's answer; at least 1s. @default 24h */
	timeout: durationAtLeast('1s').prefault('24h'),
	/** What happens then: `fail` ends the task failed with question_unanswered; `continue` resumes it, telling the agent no answer came. @default fail */
	onTimeout: z.enum(['fail', 'continue']).default('fail'),
});

/** A time of day, HH:MM on a 24-hour clock: "18:00", "07:30". */
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time of day such as "18:00" (HH:MM, 24-hour, quoted or not)');

const reportSchema = z.strictObject({
	/**
	 * When the orchestrator writes the day's report (reports/DATE.md and DATE.json), in budget.timezone;
	 * `spool down` writes one too as it stops the home. null: neither writes one by itself (`spool report`
	 * still does). @default "18:00"
	 */
	at: clockTime.nullable().default('18:00'),
	/** How many days a person's feedback/DATE.md reaches the tasks after its date, until a newer one is written; 0: feedback reaches no task. @default 7 */
	feedbackDays: z.number().int().min(0).max(366).default(7),
});

const repoSchema = z.strictObject({
	/** The repository: a git checkout, relative to SPOOL_HOME or absolute. Tasks run in worktrees of it; the checkout itself is never touched. */
	path: z.string().min(1),
	/** The branch, tag or commit each task's branch starts from. @default main */
	base: z.string().min(1).regex(/^[^\s-][^\s]*$/, 'must be a branch, tag or commit such as "main"').default('main'),
});

const uiSchema = z.strictObject({
	/** The port the dashboard listens on (0: any free port, said on start and in control/ui.json). @default 7333 */
	port: z.number().int().min(0).max(65_535).default(7333),
	/**
	 * The address it binds. Reading needs no token, so anything but a loopback address shows the queue
	 * (prompts, results, transcripts) to whoever reaches it; reach it over an SSH tunnel instead. @default 127.0.0.1
	 */
	host: z.string().trim().min(1).default('127.0.0.1'),
});

/** Names a worker cannot take: their folders and files belong to the orchestrator. */
const RESERVED_NAMES = ['orchestrator', 'workflows', 'goals'];

export const configSchema = z.strictObject({
	claude: z
		.strictObject({
			/** The claude executable. @default node_modules/.bin/claude of spool */
			bin: z.string().min(1).optional(),
		})
		.default({}),
	queue: queueSchema.prefault({}),
	/** Folders a task's own `cwd` may lie under (relative to SPOOL_HOME). @default ["."] */
	cwdRoots: z.array(z.string().min(1)).default(['.']),
	/** The planner of `spool plan` and goals/. */
	orchestrator: orchestratorSchema.prefault({}),
	/** Money: a daily budget for the home and a cap per run (docs/budget.md). */
	budget: budgetSchema.prefault({}),
	/** Subscription windows: how much of each spool leaves unused. */
	quota: quotaSchema.prefault({}),
	/** A start-rate limit for the home. */
	limits: limitsSchema.prefault({}),
	/** Notifications: events sent to Telegram and webhooks from a durable outbox (docs/notify.md). */
	notify: notifySchema.optional(),
	/** What agents may not run (docs/policy.md). */
	policy: policySchema.prefault({}),
	/** The operating-system sandbox around every run's commands, and the file tools' limits (docs/sandbox.md). */
	sandbox: sandboxSchema.prefault({}),
	/** Questions agents ask a person with ask_human (docs/ask.md). */
	ask: askSchema.prefault({}),
	/** The end-of-day report and the feedback a person writes on it (docs/report.md). */
	report: reportSchema.prefault({}),
	/** The dashboard (`spool ui`, docs/ui.md), which `spool up` starts too; false: `spool up` does not start it. @default {port: 7333, host: "127.0.0.1"} */
	ui: z.union([z.literal(false), uiSchema], {error: 'must be false (no dashboard) or {port, host}, such as {port: 7333, host: 127.0.0.1}'}).prefault({}),
	/** Git repositories a task may name with `repo`: it then runs in a worktree of its own (docs/repos.md). @default {} */
	repos: z.record(z.string().regex(NAME_PATTERN, 'a repository name is 1-64 letters, digits, "-" and "_", starting with a letter or digit'), repoSchema).default({}),
	/** Skills a task may name with `skill` (docs/skills.md). */
	skills: skillsSchema.optional(),
	workers: z
		.record(z.string().regex(NAME_PATTERN, 'a worker name is 1-64 letters, digits, "-" and "_", starting with a letter or digit'), workerSchema)
		.refine(workers => Object.keys(workers).length > 0, 'define at least one worker')
		.superRefine((workers, context) => {
			for (const name of Object.keys(workers).filter(name => RESERVED_NAMES.includes(name))) {
				context.addIssue({code: 'custom', path: [name], message: `a worker cannot be named ${RESERVED_NAMES.join(', ')}: spool uses those folders itself`});
			}
		}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type WorkerConfig = z.output<typeof workerSchema> & {name: string; prompt: string};
export type QueueConfig = z.output<typeof queueSchema>;
export type OrchestratorConfig = z.output<typeof orchestratorSchema>;
export type BudgetConfig = z.output<typeof budgetSchema>;
export type QuotaConfig = z.output<typeof quotaSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type NotifyConfig = z.output<typeof notifySchema>;
export type AskConfig = z.output<typeof askSchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type SandboxConfig = z.output<typeof sandboxSchema>;
export type ReportConfig = z.output<typeof reportSchema>;
/** A repository of spool.yaml, its `path` resolved to an absolute one. */
export type UiConfig = z.output<typeof uiSchema>;
export type RepoConfig = z.output<typeof repoSchema>;
export type SkillsConfig = z.output<typeof skillsSchema>;
