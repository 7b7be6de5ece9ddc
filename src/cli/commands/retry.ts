import {getWorker, loadConfig} from '../../config/load.ts';
import {retryDead, retryTasks, retryWorkflow} from '../../control/retry.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const retryCommand: Command = {
	usage: 'retry ([WORKER/]ID... | --dead WORKER | --workflow ID)',
	summary: 'run failed, dead or canceled tasks again, each with a fresh attempt budget',
	help: `
The task goes back to tasks/WORKER/ID.json as it was dropped; its earlier result moves to
results/WORKER/.history/. --dead WORKER retries every dead task of that worker. --workflow ID runs the
workflow's failed and skipped tasks again (the orchestrator does it at its next scan); its succeeded
tasks keep their results. --json prints the outcomes as JSON. Exit 1 when a named task was not queued.`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {dead: {type: 'string'}, workflow: {type: 'string'}, json: {type: 'boolean'}});
		const ways = [positionals.length > 0, values.dead !== undefined, values.workflow !== undefined].filter(Boolean).length;
		if (ways !== 1) {
			throw new CliUsageError('name the tasks to retry, or give one of --dead WORKER or --workflow ID');
		}

		const config = loadConfig();
		if (values.workflow !== undefined) {
			await retryWorkflow(config, values.workflow);
			console.log(values.json ? JSON.stringify({workflow: values.workflow, outcome: 'requested'}) : `workflow ${values.workflow}: retry requested; its failed and skipped tasks are queued again at the orchestrator's next scan`);
			return 0;
		}

		const outcomes = values.dead === undefined ? await retryTasks(config, positionals) : await retryDead(config, getWorker(config, values.dead).name);
		if (values.json) {
			console.log(JSON.stringify(outcomes, null, 2));
		} else if (outcomes.length === 0) {
			console.log(`no dead tasks in results/${values.dead}/`);
		} else {
			for (const outcome of outcomes) {
				console.log(outcome.message);
			}
		}

		return outcomes.some(outcome => outcome.outcome !== 'queued') ? 1 : 0;
	},
};
