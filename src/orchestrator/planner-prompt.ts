import type {Config} from '../config/load.ts';

/** The planner's first message: the goal and the workers it may use, each with its description from spool.yaml. */
export function buildPlanPrompt(goal: string, workers: Config['workers']): string {
	const list = Object.values(workers).map(worker => `- ${worker.name}: ${worker.description?.trim() || '(no description)'}`);
	return [
		'Plan a workflow for the goal below and return it with the StructuredOutput tool.',
		'## Goal',
		goal.trim(),
		'## Workers',
		'A task\'s "worker" must be one of these names:',
		list.join('\n'),
	].join('\n\n');
}

/** Sent back into the same session when a plan fails validation: the exact problems, one per line. */
export function buildFeedbackPrompt(problems: readonly string[]): string {
	return [
		'Your plan was not accepted. Fix exactly these problems and call the StructuredOutput tool again with the whole corrected plan:',
		problems.map(problem => `- ${problem}`).join('\n'),
	].join('\n\n');
}
