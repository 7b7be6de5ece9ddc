import fs from 'node:fs';
import path from 'node:path';
import {pino, type Logger} from 'pino';
import {LogFile} from './log-file.ts';
import {formatPretty} from './pretty.ts';

export type {Logger} from 'pino';

/** Keys whose values never reach a log line, wherever they appear. */
const REDACT = ['apiKey', 'token', 'env', 'headers', 'authorization', '*.apiKey', '*.token', '*.env', '*.headers', '*.authorization'];

/** A pino logger writing JSON lines to logs/NAME.log and to stderr (pretty on a terminal). */
export function createLogger(options: {logsDir?: string; name: string; level?: string}): Logger {
	const streams: pino.StreamEntry[] = [];
	if (options.logsDir) {
		fs.mkdirSync(options.logsDir, {recursive: true});
		streams.push({stream: new LogFile(path.join(options.logsDir, `${options.name}.log`), {name: options.name})});
	}

	streams.push({stream: process.stderr.isTTY ? {write: (line: string) => process.stderr.write(formatPretty(line))} : process.stderr});
	return pino(
		{
			level: options.level ?? process.env.SPOOL_LOG_LEVEL ?? 'info',
			base: {name: options.name},
			redact: {paths: REDACT, censor: '[redacted]'},
			timestamp: pino.stdTimeFunctions.isoTime,
		},
		pino.multistream(streams),
	);
}
