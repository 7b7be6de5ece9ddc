import fs from 'node:fs/promises';

/** PIDs of live processes whose working directory lies under `dir`: what a run of claude leaves behind. */
export async function processesUnder(dir: string): Promise<number[]> {
	return findProcesses(async pid => (await fs.readlink(`/proc/${pid}/cwd`).catch(() => undefined))?.startsWith(dir) ?? false);
}

/**
 * PIDs of live processes started for the spool home `home` (SPOOL_HOME in their environment): `spool up`,
 * its workers and orchestrator, and the claude runs they started, which inherit it.
 */
export async function processesOfHome(home: string): Promise<number[]> {
	const marker = `\0SPOOL_HOME=${home}\0`;
	return findProcesses(async pid => `\0${await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')}`.includes(marker));
}

/** The parent pid of a live process, from /proc/PID/stat; undefined once it is gone. */
export async function parentOf(pid: number): Promise<number | undefined> {
	const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
	const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
	return fields ? Number(fields[1]) : undefined;
}

/** The child processes of `pid` that are a worker's spawner helper (src/worker/spawner-helper.js), from /proc. */
export async function spawnerHelpersOf(pid: number): Promise<number[]> {
	const tasks = await fs.readdir(`/proc/${pid}/task`);
	const children = (await Promise.all(tasks.map(async task => fs.readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')))).join(' ').trim().split(/\s+/).filter(Boolean).map(Number);
	const commands = await Promise.all(children.map(async child => fs.readFile(`/proc/${child}/cmdline`, 'utf8').catch(() => '')));
	return children.filter((_, n) => commands[n]!.includes('spawner-helper.js'));
}

async function findProcesses(matches: (pid: string) => Promise<boolean>): Promise<number[]> {
	const pids: number[] = [];
	for (const entry of await fs.readdir('/proc')) {
		if (!/^\d+$/.test(entry) || !(await matches(entry))) {
			continue;
		}

		const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
		// A zombie has exited already; its parent just has not reaped it.
		if (stat !== '' && !/^\d+ \(.*\) Z/.test(stat)) {
			pids.push(Number(entry));
		}
	}

	return pids;
}

/** SIGKILLs whatever still runs for `home`: a failed test must not leave loops claiming behind it. */
export async function killProcessesOfHome(home: string): Promise<void> {
	for (const pid of await processesOfHome(home)) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// Gone meanwhile.
		}
	}
}
