/** The longest wait before a child that keeps dying is started again. */
export const MAX_RESTART_DELAY_MS = 30_000;

/** A child that ran this long before it died was healthy: its next restart starts the back-off over. */
export const HEALTHY_RUN_MS = 60_000;

export type RestartPlan = {delayMs: number; streak: number};

/**
 * When to restart a child that exited after `ranMs`, `streak` being the crashes in a row before this
 * one: 1 s, doubling per crash in a row, at most 30 s. A run of HEALTHY_RUN_MS or more ends the streak,
 * so a worker that crashed five times last week is not restarted 30 s late for ever. Returns the delay
 * and the streak this crash makes.
 */
export function planRestart(streak: number, ranMs: number): RestartPlan {
	const crashesInARow = ranMs >= HEALTHY_RUN_MS ? 0 : streak;
	return {delayMs: Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** crashesInARow), streak: crashesInARow + 1};
}
