import {SpoolError} from '../errors.ts';
import {commands, type Command} from './commands/index.ts';
import {CliUsageError} from './parse.ts';

async function usage(): Promise<string> {
	const all: Command[] = await Promise.all(Object.values(commands).map(async load => load()));
	return `spool: a filesystem job queue for Claude Code workers

Usage: spool <command> [options]

Commands:
${all.map(command => `  ${command.usage.padEnd(40)} ${command.summary}`).join('\n')}

Every command takes --help. SPOOL_HOME names the spool home (default: the current folder).`;
}

async function main(argv: string[]): Promise<number> {
	const [name, ...rest] = argv;
	if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
		console.log(await usage());
		return name === undefined ? 2 : 0;
	}

	if (name === '--version') {
		console.log('0.1.0');
		return 0;
	}

	const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
	if (!load) {
		console.error(`spool: unknown command "${name}"\n\n${await usage()}`);
		return 2;
	}

	const command = await load();

	if (rest.includes('--help') || rest.includes('-h')) {
		console.log(`Usage: spool ${command.usage}\n\n${command.summary}\n${command.help ?? ''}`.trimEnd());
		return 0;
	}

	try {
		return await command.run(rest);
	} catch (error) {
		if (error instanceof CliUsageError) {
			console.error(`spool ${name}: ${error.message}\nUsage: spool ${command.usage}`);
			return 2;
		}

		if (error instanceof SpoolError) {
			console.error(`spool ${name}: ${error.message}`);
			return 1;
		}

		throw error;
	}
}

process.exitCode = await main(process.argv.slice(2));
