/** The one error class of spool: a stable `code` for scripts, a message for people. */
export class SpoolError extends Error {
	readonly code: string;

	constructor(code: string, message: string, options?: {cause?: unknown}) {
		super(message, options);
		this.name = 'SpoolError';
		this.code = code;
	}
}

/** True for a Node.js system error with one of the given codes (ENOENT, EEXIST...). */
export function isErrnoCode(error: unknown, ...codes: string[]): boolean {
	return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}
