import {parseArgs, type ParseArgsConfig} from 'node:util';

export class CliUsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs, with its errors turned into usage errors of spool's own words: parseArgs's
 * text for an unknown option is a paragraph about positionals that does not say what the command takes.
 */
export function parseCommandArgs<T extends Options>(args: string[], options: T) {
	try {
		return parseArgs({args: joinNegativeValues(args, options), options, allowPositionals: true, strict: true});
	} catch (error) {
		throw new CliUsageError(describeParseError(error as NodeJS.ErrnoException, options));
	}
}

function describeParseError(error: NodeJS.ErrnoException, options: Options): string {
	// parseArgs names the option in its message only: '--x', or '--id <value>'.
	const option = /'(-[^' ]+)/.exec(error.message)?.[1];
	if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) {
		return `unknown option "${option}"; ${describeOptions(options)}`;
	}

	if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option) {
		return /does not take an argument/.test(error.message) ? `option "${option}" takes no value` : `option "${option}" needs a value`;
	}

	return error.message;
}

/** `its options: --file, --id, --wait, --help`, from the command's own option table. */
function describeOptions(options: Options): string {
	const names = Object.keys(options).map(name => (name.length === 1 ? `-${name}` : `--${name}`));
	return names.length === 0 ? 'it takes no options but --help' : `its options: ${[...names, '--help'].join(', ')}`;
}

/**
 * `--priority -1` as `--priority=-1`: parseArgs takes any word that starts with "-" for an option, so a
 * negative number given to an option that takes a value would be refused as a missing value.
 */
function joinNegativeValues(args: string[], options: Options): string[] {
	const joined: string[] = [];
	for (let index = 0; index < args.length; index++) {
		const arg = args[index]!;
		const next = args[index + 1];
		const name = arg.startsWith('--') ? arg.slice(2) : undefined;
		if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
			joined.push(`${arg}=${next}`);
			index++;
		} else {
			joined.push(arg);
		}
	}

	return joined;
}
