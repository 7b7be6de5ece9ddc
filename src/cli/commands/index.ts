export type Command = {
	usage: string;
	summary: string;
	help?: string;
	/** Returns the exit code. */
	run(args: string[]): Promise<number>;
};

/**
 * Each command is imported only when it runs. `spool worker` then loads the queue and the worker and
 * nothing of the orchestrator, compose or execa: 6 MB less in a process that lives for days and forks
 * once per task, where each MB is page table the fork copies (docs/benchmarks.md).
 */
export const commands: Record<string, () => Promise<Command>> = {
	up: async () => (await import('./up.ts')).upCommand,
	down: async () => (await import('./down.ts')).downCommand,
	worker: async () => (await import('./worker.ts')).workerCommand,
	orchestrator: async () => (await import('./orchestrator.ts')).orchestratorCommand,
	init: async () => (await import('./init.ts')).initCommand,
	submit: async () => (await import('./submit.ts')).submitCommand,
	plan: async () => (await import('./plan.ts')).planCommand,
	status: async () => (await import('./status.ts')).statusCommand,
	list: async () => (await import('./list.ts')).listCommand,
	cost: async () => (await import('./cost.ts')).costCommand,
	report: async () => (await import('./report.ts')).reportCommand,
	show: async () => (await import('./show.ts')).showCommand,
	review: async () => (await import('./review.ts')).reviewCommand,
	cancel: async () => (await import('./cancel.ts')).cancelCommand,
	retry: async () => (await import('./retry.ts')).retryCommand,
	clean: async () => (await import('./clean.ts')).cleanCommand,
	resume: async () => (await import('./resume.ts')).resumeCommand,
	tail: async () => (await import('./tail.ts')).tailCommand,
	ui: async () => (await import('./ui.ts')).uiCommand,
	login: async () => (await import('./login.ts')).loginCommand,
	compose: async () => (await import('./compose.ts')).composeCommand,
	health: async () => (await import('./health.ts')).healthCommand,
	mcp: async () => (await import('./mcp.ts')).mcpCommand,
	answer: async () => (await import('./answer.ts')).answerCommand,
	approve: async () => (await import('./approve.ts')).approveCommand,
	deny: async () => (await import('./approve.ts')).denyCommand,
	hook: async () => (await import('./hook.ts')).hookCommand,
};
