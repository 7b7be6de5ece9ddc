/** Columns padded to their widest cell, two spaces apart: what every table of the CLI prints. */
export function formatTable(header: string[], rows: string[][]): string[] {
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map(row => (row[column] ?? '').length)));
	return [header, ...rows].map(row => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}

export function printTable(header: string[], rows: string[][]): void {
	for (const line of formatTable(header, rows)) {
		console.log(line);
	}
}

/** 42s, 5m, 3h, 2d: a span a person reads at a glance. */
export function formatSpan(ms: number): string {
	const s = Math.max(0, Math.round(ms / 1000));
	if (s < 90) {
		return `${s}s`;
	}

	const m = Math.round(s / 60);
	if (m < 90) {
		return `${m}m`;
	}

	const h = Math.round(m / 60);
	return h < 48 ? `${h}h` : `${Math.round(h / 24)}d`;
}

export function formatUsd(usd: number | null): string {
	return usd === null ? '-' : `$${usd.toFixed(4)}`;
}
