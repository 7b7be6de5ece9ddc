import {composeCommand} from './compose.ts';
import {healthCommand} from './health.ts';
import {initCommand} from './init.ts';
import {loginCommand} from './login.ts';
import {orchestratorCommand} from './orchestrator.ts';
import {planCommand} from './plan.ts';
import {resumeCommand} from './resume.ts';
import {statusCommand} from './status.ts';
import {submitCommand} from './submit.ts';
import {tailCommand} from './tail.ts';
import {upCommand} from './up.ts';
import {workerCommand} from './worker.ts';

export type Command = {
	usage: string;
	summary: string;
	help?: string;
	/** Returns the exit code. */
	run(args: string[]): Promise<number>;
};

export const commands: Record<string, Command> = {
	up: upCommand,
	worker: workerCommand,
	orchestrator: orchestratorCommand,
	init: initCommand,
	submit: submitCommand,
	plan: planCommand,
	status: statusCommand,
	resume: resumeCommand,
	tail: tailCommand,
	login: loginCommand,
	compose: composeCommand,
	health: healthCommand,
};
