import fs from 'node:fs/promises';

/** PIDs of live processes whose working directory lies under `dir`: what a run of claude leaves behind. */
export async function processesUnder(dir: string): Promise<number[]> {
	const pids: number[] = [];
	for (const entry of await fs.readdir('/proc')) {
		if (!/^\d+$/.test(entry)) {
			continue;
		}

		const cwd = await fs.readlink(`/proc/${entry}/cwd`).catch(() => undefined);
		const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
		// A zombie has exited already; its parent just has not reaped it.
		if (cwd?.startsWith(dir) && !/^\d+ \(.*\) Z/.test(stat)) {
			pids.push(Number(entry));
		}
	}

	return pids;
}
