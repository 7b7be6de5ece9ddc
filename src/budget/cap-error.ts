import type {TaskError} from '../queue/error-codes.ts';
import type {AttemptRecord} from '../queue/task-schema.ts';
import type {RunCap} from './state.ts';

/**
 * A run the CLI stopped at its --max-budget-usd, said with the cap and the setting it came from. When
 * that cap was what was left of the day's budget, the run was cut by the day: not the task's fault, and
 * not final; it waits for the budget (the next day, or a raised one), its attempt not counted.
 */
export function namedCap<T extends {error: TaskError | null}>(outcome: T, cap: RunCap, history: readonly AttemptRecord[]): T {
	if (outcome.error?.code !== 'error_max_budget_usd' || cap.usd === undefined) {
		return outcome;
	}

	// Once: a task the day cut short before, cut again, needs more than a day's budget (or never ends): it fails for good.
	if (cap.byDay && !history.some(record => record.error.code === 'daily_budget_reached')) {
		return {...outcome, error: {code: 'daily_budget_reached', message: `the day's budget ran out during the run: it was given ${cap.from} ($${cap.usd}) and the CLI stopped it there; the task waits for the budget and runs again, its attempt not counted`}};
	}

	const again = cap.byDay ? '; the day\'s budget cut it short before too, so it is not run again (spool retry runs it, best with a maxCostUsd)' : '';
	return {...outcome, error: {code: 'error_max_budget_usd', message: `the run reached its cap of $${cap.usd} (${cap.from}) and the CLI stopped it there${again}`}};
}
