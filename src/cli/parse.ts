import {parseArgs, type ParseArgsConfig} from 'node:util';

export class CliUsageError extends Error {}

/** node:util parseArgs, with its errors turned into usage errors that name the bad option. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
	try {
		return parseArgs({args, options, allowPositionals: true, strict: true});
	} catch (error) {
		throw new CliUsageError((error as Error).message);
	}
}
