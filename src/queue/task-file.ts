/** A task id: the file name without ".json", safe as one path segment. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Only non-dot `*.json` files are tasks. Editor debris (`.x.swp`, `x~`, `.#x`, `4913`, `x.tmp`) and
 * spool's own temp files (dot-names) never match.
 */
export function isTaskFileName(name: string): boolean {
	return !name.startsWith('.') && name.endsWith('.json') && name.length > '.json'.length;
}

export function taskIdOf(name: string): string {
	return name.slice(0, -'.json'.length);
}

/**
 * A claim whose run has started is renamed `ID@ATTEMPT.RUNID.json`: its name counts the attempt and
 * marks the run, so a sweeper can tell both after a crash without the file being rewritten. `@` never
 * occurs in an id.
 */
export function startedClaimName(id: string, attempt: number, runId: string): string {
	return `${id}@${attempt}.${runId}.json`;
}

export type ClaimName = {id: string; started?: {attempt: number; runId: string}};

/** Reads a claim's name: `ID.json` (claimed, not started) or `ID@ATTEMPT.RUNID.json` (started). */
export function parseClaimName(name: string): ClaimName {
	const started = STARTED_CLAIM.exec(name);
	if (started && ID_PATTERN.test(started[1]!)) {
		return {id: started[1]!, started: {attempt: Number(started[2]), runId: started[3]!}};
	}

	return {id: taskIdOf(name)};
}

const STARTED_CLAIM = /^(.+)@(\d+)\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;

/** Why an id is unsafe, or undefined when it is fine. */
export function checkTaskId(id: string): string | undefined {
	if (ID_PATTERN.test(id)) {
		return undefined;
	}

	return `unsafe task id ${JSON.stringify(id)}: use 1-128 letters, digits, ".", "-" and "_", starting with a letter or digit`;
}

/** A file name that can stand for an unsafe id in results/ and rejected/. */
export function sanitizeTaskId(id: string): string {
	const safe = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, 100);
	return safe || 'unnamed';
}
