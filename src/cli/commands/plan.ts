import path from 'node:path';
import {loadConfig} from '../../config/load.ts';
import {SpoolError} from '../../errors.ts';
import {WORKFLOW_ID_PATTERN, type Workflow} from '../../orchestrator/definition.ts';
import {chooseFreeId, planWorkflow, slugify} from '../../orchestrator/planner.ts';
import {createWorkflowLayout, isWorkflowIdTaken} from '../../orchestrator/store.ts';
import {writeJsonExclusive} from '../../queue/atomic-write.ts';
import {CliUsageError, parseCommandArgs} from '../parse.ts';
import {readFileOption} from '../read-file-option.ts';
import type {Command} from './index.ts';

export const planCommand: Command = {
	usage: 'plan (GOAL | --file F)',
	summary: 'plan a goal into a workflow with claude; the orchestrator runs it',
	help: `
Runs claude -p with prompts/orchestrator.md, the workers of spool.yaml and the workflow JSON Schema.
The plan is validated; an invalid plan goes back to the planner once with the exact problems, then
is rejected with them (exit 1). A valid plan is saved as workflows/ID.plan.json.
Options:
  --file F          read the goal from file F ("-" for standard input)
  --id ID           the workflow id (default: made from the goal's first words)
  --max-cost USD    the workflow queues no further task once its tasks cost this much
  --dry-run         print the plan as JSON; save nothing, queue nothing
Follow the workflow with: spool tail --workflow ID`,
	async run(args) {
		const {values, positionals} = parseCommandArgs(args, {
			file: {type: 'string'},
			id: {type: 'string'},
			'max-cost': {type: 'string'},
			'dry-run': {type: 'boolean'},
		});
		if (positionals.length > 1 || (positionals[0] === undefined) === (values.file === undefined)) {
			throw new CliUsageError('give the goal either as one argument or with --file F');
		}

		const maxCostUsd = values['max-cost'] === undefined ? undefined : Number(values['max-cost']);
		if (maxCostUsd !== undefined && !(maxCostUsd > 0)) {
			throw new CliUsageError(`--max-cost: expected a positive number of dollars, got "${values['max-cost']}"`);
		}

		const goal = positionals[0] ?? (await readFileOption(values.file!, 'goal_unreadable'));
		if (goal.trim() === '') {
			throw new SpoolError('invalid_goal', 'the goal is empty');
		}

		const config = loadConfig();
		const layout = createWorkflowLayout(config.home);
		const id = values.id ?? chooseFreeId(layout, slugify(goal));
		if (!WORKFLOW_ID_PATTERN.test(id)) {
			throw new SpoolError('invalid_id', `--id "${id}": use 1-60 letters and digits joined by single "-" or "_"`);
		}

		if (!values['dry-run'] && isWorkflowIdTaken(layout, id)) {
			throw new SpoolError('workflow_exists', `a workflow named "${id}" already exists (in workflows/ or results/workflows/); choose another --id`);
		}

		const outcome = await planWorkflow(config, {goal, id, maxCostUsd});
		if (!outcome.ok && outcome.error.code !== 'invalid_plan') {
			// No plan came back to reject: the run failed (credentials, the API, the prompt file).
			throw new SpoolError(outcome.error.code, `planning failed (${outcome.error.code}): ${outcome.error.message}`);
		}

		if (!outcome.ok) {
			const attempts = outcome.attempts === 2 ? ' after one correction' : '';
			throw new SpoolError(outcome.error.code, `the plan was rejected${attempts} (${outcome.error.code}):\n${outcome.problems.map(problem => `  - ${problem}`).join('\n')}`);
		}

		if (values['dry-run']) {
			console.log(JSON.stringify(outcome.workflow, null, 2));
			return 0;
		}

		const file = layout.planFile(id);
		if (!(await writeJsonExclusive(file, outcome.workflow))) {
			throw new SpoolError('workflow_exists', `${file} appeared while planning; the plan was not saved`);
		}

		console.log(`${path.relative(process.cwd(), file) || file}: ${describePlan(outcome.workflow)} (planning cost $${outcome.costUsd.toFixed(4)})`);
		console.log(`the orchestrator runs it (spool up); follow it with: spool tail --workflow ${id}`);
		return 0;
	},
};

function describePlan(workflow: Workflow): string {
	const tasks = workflow.tasks.map(task => `${task.id} (${task.worker}${task.dependsOn?.length ? ` after ${task.dependsOn.join(', ')}` : ''})`);
	return `${workflow.tasks.length} task${workflow.tasks.length === 1 ? '' : 's'}: ${tasks.join('; ')}`;
}
