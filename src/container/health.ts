import fs from 'node:fs/promises';
import {isErrnoCode} from '../errors.ts';
import {writeJsonAtomic} from '../queue/atomic-write.ts';

/**
 * What `spool health` checks, written by a running worker or orchestrator to SPOOL_HEALTH_FILE (a path
 * inside its own container): the file or folder its heartbeat touches, and how old that may get.
 * A worker's heartbeat is its loop's own claims folder, which the loop touches on every lease renewal,
 * so a frozen loop turns unhealthy even while its process lives.
 */
export type HealthBeacon = {pid: number; process: string; heartbeat: string; maxAgeMs: number};

export type HealthReport = {healthy: boolean; message: string};

/**
 * Writes the beacon to SPOOL_HEALTH_FILE, if set (the image sets it; `spool up` does not). Without a
 * `heartbeat` of its own, the beacon file itself is touched on a timer, which proves the event loop turns.
 * Returns a function that stops that timer.
 */
export async function publishHealth(options: {process: string; heartbeat?: string; maxAgeMs: number}, env: NodeJS.ProcessEnv = process.env): Promise<() => void> {
	const file = env.SPOOL_HEALTH_FILE;
	if (!file) {
		return () => undefined;
	}

	await writeJsonAtomic(file, {pid: process.pid, process: options.process, heartbeat: options.heartbeat ?? file, maxAgeMs: options.maxAgeMs} satisfies HealthBeacon);
	if (options.heartbeat !== undefined) {
		return () => undefined;
	}

	const timer = setInterval(() => {
		const now = new Date();
		void fs.utimes(file, now, now).catch(() => undefined);
	}, Math.max(50, Math.floor(options.maxAgeMs / 3)));
	timer.unref();
	return () => clearInterval(timer);
}

export async function checkHealth(file: string, now = Date.now()): Promise<HealthReport> {
	let beacon: HealthBeacon;
	try {
		beacon = JSON.parse(await fs.readFile(file, 'utf8')) as HealthBeacon;
	} catch (error) {
		return {healthy: false, message: `no health beacon at ${file} yet (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): the process has not started`};
	}

	if (!isAlive(beacon.pid)) {
		return {healthy: false, message: `${beacon.process}: process ${beacon.pid} is gone`};
	}

	const stat = await fs.stat(beacon.heartbeat).catch(() => undefined);
	if (!stat) {
		return {healthy: false, message: `${beacon.process}: its heartbeat ${beacon.heartbeat} is gone`};
	}

	const ageMs = Math.max(0, now - stat.mtimeMs);
	const ages = `heartbeat ${(ageMs / 1000).toFixed(1)} s old, limit ${(beacon.maxAgeMs / 1000).toFixed(1)} s`;
	return ageMs <= beacon.maxAgeMs
		? {healthy: true, message: `${beacon.process}: alive (${ages})`}
		: {healthy: false, message: `${beacon.process}: stuck (${ages})`};
}

function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return isErrnoCode(error, 'EPERM');
	}
}
