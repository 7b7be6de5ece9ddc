const LEVELS: Record<number, string> = {10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL'};
const SKIP = new Set(['level', 'time', 'msg', 'name', 'pid', 'hostname']);

/** One pino JSON line as `12:00:01 INFO  coder: message key=value` for a person at a terminal. */
export function formatPretty(line: string): string {
	let record: Record<string, unknown>;
	try {
		record = JSON.parse(line) as Record<string, unknown>;
	} catch {
		return line;
	}

	const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
	const fields = Object.entries(record)
		.filter(([key]) => !SKIP.has(key))
		.map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
	return `${time} ${LEVELS[record.level as number] ?? record.level} ${String(record.name)}: ${String(record.msg ?? '')} ${fields.join(' ')}`.trimEnd() + '\n';
}
