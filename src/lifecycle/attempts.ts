/**
 * The one rule for "attempts exhausted": a task may make `maxAttempts` paid attempts, crashed and lost
 * ones included. Attempt N may start while N <= maxAttempts; after attempt N failed with a passing fault,
 * it is retried while attempt N + 1 may start, else dead-lettered.
 */
export function mayStart(attempt: number, maxAttempts: number): boolean {
	return attempt <= maxAttempts;
}

export function mayRetry(failedAttempt: number, maxAttempts: number): boolean {
	return mayStart(failedAttempt + 1, maxAttempts);
}
