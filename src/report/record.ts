import {z} from 'zod';
import {RUN_OUTCOMES} from '../ledger/entry.ts';
import {versionField} from '../orchestrator/store.ts';

/** The version this code writes; a reader refuses a record of a newer one rather than guess at it. */
export const REPORT_VERSION = 1;

/**
 * What became of a task of the day, as the report counts it: a result's status when it finished that day;
 * else where it is now (running, pending or delayed in tasks/, waiting for a person's answer);
 * `carried-over`: it ran that day and finished on a later one, or its result is gone (spool clean).
 */
export const REPORT_STATES = ['succeeded', 'failed', 'dead', 'rejected', 'canceled', 'running', 'pending', 'delayed', 'waiting', 'carried-over'] as const;
export type ReportState = (typeof REPORT_STATES)[number];

/** The states the report calls failures: the task did not do its work and will not by itself. */
export const FAILED_STATES = ['failed', 'dead', 'rejected'] as const satisfies readonly ReportState[];

/** Who wrote the report: `spool report`, the orchestrator at report.at, or `spool down` as it stopped the home. */
export const REPORT_TRIGGERS = ['manual', 'schedule', 'down'] as const;
export type ReportTrigger = (typeof REPORT_TRIGGERS)[number];

const tokensSchema = z.object({input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number()});

const tasksSchema = z.object({
	total: z.number().int().min(0),
	/** Only the states that occur. */
	states: z.partialRecord(z.enum(REPORT_STATES), z.number().int().min(1)),
});

/** The day's runs from the ledger; which part of the dollars is an estimate. */
const costSchema = z.object({
	runs: z.number().int().min(0),
	outcomes: z.partialRecord(z.enum(RUN_OUTCOMES), z.number().int().min(1)),
	costUsd: z.number(),
	/** The part of costUsd subscription runs reported: a list-price estimate, not a bill. */
	estimatedUsd: z.number(),
	/** The part of costUsd spool reckoned from the tokens of runs stopped before claude's result line. */
	fromTokensUsd: z.number(),
	tokens: tokensSchema,
});

const budgetSchema = z.object({
	/** The daily budget in spool.yaml as the report was written; null: none. */
	dailyUsd: z.number().nullable(),
	spentUsd: z.number(),
	state: z.enum(['ok', 'warning', 'halted']),
	/** When that day's warning or halt was first told. */
	since: z.string().nullable(),
});

const refSchema = {worker: z.string(), id: z.string()};

export const reportSchema = z.looseObject({
	version: versionField(REPORT_VERSION, 'report'),
	/** The day (YYYY-MM-DD) in `timezone` (budget.timezone), and its span as ISO times. */
	date: z.string(),
	timezone: z.string(),
	from: z.string(),
	until: z.string(),
	writtenAt: z.string(),
	trigger: z.enum(REPORT_TRIGGERS),
	summary: z.object({
		tasks: tasksSchema,
		cost: costSchema,
		budget: budgetSchema,
		/** Commands spool's policy refused in the day's finished tasks (absent in records written before it was counted). */
		policyViolations: z.number().int().min(0).optional(),
		/** Tool calls spool's sandbox refused in the day's finished tasks (absent in records written before it was counted). */
		sandboxBlocks: z.number().int().min(0).optional(),
	}),
	workers: z.array(z.object({worker: z.string(), tasks: tasksSchema, cost: costSchema, budget: budgetSchema.nullable()})),
	workflows: z.array(
		z.object({
			id: z.string(),
			/** As of writing: its summary's status, running while it has none, unknown when neither file is there. */
			status: z.enum(['running', 'succeeded', 'failed', 'rejected', 'unknown']),
			tasks: tasksSchema,
			cost: costSchema,
			maxCostUsd: z.number().nullable(),
			summaryFile: z.string().nullable(),
		}),
	),
	failures: z.array(
		z.object({
			...refSchema,
			status: z.enum(FAILED_STATES),
			code: z.string(),
			message: z.string(),
			finishedAt: z.string(),
			attempts: z.number(),
			workflow: z.string().nullable(),
			costUsd: z.number(),
		}),
	),
	/**
	 * Each command spool's policy refused, from the results of the day's finished tasks (their
	 * policyViolations), by worker then time; absent in records written before it was kept.
	 */
	policyViolations: z.array(z.object({...refSchema, tool: z.string(), command: z.string(), rule: z.string(), time: z.string(), workflow: z.string().nullable()})).optional(),
	/** Each write, read or connection the sandbox refused, from the day's finished results (their sandboxBlocks); absent in older records. */
	sandboxBlocks: z.array(z.object({...refSchema, tool: z.string(), kind: z.enum(['write', 'read', 'network']), target: z.string(), time: z.string(), workflow: z.string().nullable()})).optional(),
	/** Tasks waiting for a person's answer (waiting/W/ID.json), as the report was written. */
	questions: z.array(
		z.object({
			...refSchema,
			askedAt: z.string().nullable(),
			text: z.string(),
			options: z.array(z.string()),
			/** results/W/ID.question.md, when it is there. */
			questionFile: z.string().nullable(),
		}),
	),
	/** Claims in processing/ as the report was written. */
	running: z.array(z.object({...refSchema, attempt: z.number().nullable(), workflow: z.string().nullable()})),
	/** Task files in tasks/W/ as the report was written, per worker (pending and delayed together). */
	queued: z.array(z.object({worker: z.string(), tasks: z.number().int().min(0)})),
	deliverables: z.array(
		z.object({
			/** `W/ID` for a task's, a workflow's id for a workflow's. */
			of: z.string(),
			kind: z.enum(['task', 'workflow', 'summary']),
			/** Relative to the home when it lies in it, else absolute. */
			path: z.string(),
			exists: z.boolean(),
		}),
	),
	slowest: z.array(z.object({...refSchema, durationMs: z.number(), runs: z.number(), costUsd: z.number(), state: z.enum(REPORT_STATES)})),
	/** Each subscription account's windows as the API last reported them (control/quota/): figures of the time of writing, not of the day. */
	quota: z.array(
		z.object({
			account: z.string(),
			workers: z.array(z.string()),
			reserve: z.number(),
			updatedAt: z.string().nullable(),
			windows: z.array(z.object({name: z.string(), utilization: z.number(), resetsAt: z.string(), atReserve: z.boolean()})),
			pausedUntil: z.string().nullable(),
		}),
	),
	feedback: z.object({
		/** The feedback files the day's finished tasks were given, and to whom (the results' `feedback`). */
		applied: z.array(
			z.object({
				file: z.string(),
				workers: z.array(z.object({worker: z.string(), tasks: z.number().int().min(1), parts: z.array(z.enum(['all', 'own']))})),
			}),
		),
		/** Where the person writes their feedback on this day, whether they have, and which workers its sections name. */
		next: z.object({file: z.string(), exists: z.boolean(), forAll: z.boolean(), workers: z.array(z.string()), givenFrom: z.string(), days: z.number()}),
	}),
	/** What the report could not read: bad ledger lines, result files that are no result. */
	notes: z.array(z.string()),
});

export type Report = z.output<typeof reportSchema>;
export type ReportTasks = z.output<typeof tasksSchema>;
export type ReportCost = z.output<typeof costSchema>;
export type ReportBudget = z.output<typeof budgetSchema>;

/** Parses a report record (reports/DATE.json); undefined when it is not one. */
export function parseReport(value: unknown): Report | undefined {
	const parsed = reportSchema.safeParse(value);
	return parsed.success ? parsed.data : undefined;
}
