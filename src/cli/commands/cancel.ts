import {loadConfig} from '../../config/load.ts';
import {cancelTasks, cancelWorkflow} from '../../control/cancel.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import type {Command} from './index.ts';

export const cancelCommand: Command = {
	usage: 'cancel ([WORKER/]ID... | --workflow ID)',
	summary: 'cancel tasks: a pending one never runs, a running one is stopped; neither is retried',
	help: `
A pending task is canceled at once. A running one is stopped by the loop that runs it (within a few
seconds: claude is interrupted, its process group then stopped); its result says canceled, with what
the run cost so far. --workflow ID cancels every pending and running task of the workflow and skips
those that wait for a dependency. --json prints the outcomes as JSON. Exit 1 when a cancel was not
confirmed (no loop stopped the task yet; the request stands in control/cancel/).`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {workflow: {type: 'string'}, json: {type: 'boolean'}});
		if ((positionals.length === 0) === (values.workflow === undefined)) {
			throw new CliUsageError('name the tasks to cancel, or give --workflow ID');
		}

		const config = loadConfig();
		const outcomes = values.workflow === undefined ? await cancelTasks(config, positionals) : await cancelWorkflow(config, values.workflow);
		if (values.json) {
			console.log(JSON.stringify(outcomes, null, 2));
		} else {
			for (const outcome of outcomes) {
				console.log(outcome.message);
			}

			if (values.workflow !== undefined) {
				console.log(`workflow ${values.workflow}: cancel requested; its waiting tasks are skipped at the orchestrator's next scan`);
			}
		}

		return outcomes.some(outcome => outcome.outcome === 'requested') ? 1 : 0;
	},
};
