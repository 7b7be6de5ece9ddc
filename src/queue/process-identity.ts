import fs from 'node:fs';
import {isErrnoCode} from '../errors.ts';

/**
 * What names one process for good on a Linux machine, as read from /proc: a pid alone is reused, and it
 * is only a number within its pid namespace (a container has its own), and a hostname is shared by two
 * containers with `network_mode: host`. The boot id tells one machine's boot from any other, the pid
 * namespace's inode one container from another, and the start time (clock ticks after boot) this pid's
 * process from a later one that got the same pid.
 */
export type ProcessIdentity = {bootId: string; pidNamespace: number; pid: number; startTime: number};

/** Whether a process is gone, judged from another process: `gone` only with proof, `unknown` when it cannot be told. */
export type ProcessVerdict = {kind: 'gone'; why: string} | {kind: 'alive'; why: string} | {kind: 'unknown'; why: string};

let self: ProcessIdentity | null | undefined;

/** This process's identity; undefined where /proc cannot tell it (not Linux, or a /proc of another pid namespace). */
export function identifySelf(): ProcessIdentity | undefined {
	self ??= readSelf() ?? null;
	return self ?? undefined;
}

/**
 * Judges a process another one recorded (`recorded`) from this one (`observer`). Gone is proven only on
 * the same boot and in the same pid namespace, when the pid is free or is a zombie, or names a process
 * that started at another time. Anything else, or anything unreadable, is `unknown`: the caller waits for
 * a heartbeat to go stale instead.
 */
export function judgeProcess(recorded: ProcessIdentity, observer: ProcessIdentity | null = identifySelf() ?? null): ProcessVerdict {
	if (!observer) {
		return {kind: 'unknown', why: 'this process cannot read its own identity from /proc'};
	}

	if (recorded.bootId !== observer.bootId) {
		return {kind: 'unknown', why: `recorded on another machine or boot (boot id ${recorded.bootId})`};
	}

	if (recorded.pidNamespace !== observer.pidNamespace) {
		return {kind: 'unknown', why: 'recorded in another pid namespace (another container)'};
	}

	if (!pidExists(recorded.pid)) {
		return {kind: 'gone', why: `process ${recorded.pid} is gone`};
	}

	const stat = readStat(recorded.pid);
	if (!stat) {
		return {kind: 'unknown', why: `process ${recorded.pid} exists but /proc/${recorded.pid}/stat cannot be read`};
	}

	if (stat.state === 'Z' || stat.state === 'X') {
		return {kind: 'gone', why: `process ${recorded.pid} has exited (a zombie)`};
	}

	return stat.startTime === recorded.startTime
		? {kind: 'alive', why: `process ${recorded.pid} runs`}
		: {kind: 'gone', why: `process ${recorded.pid} is gone (the pid now names a process started later)`};
}

function readSelf(): ProcessIdentity | undefined {
	try {
		const stat = readStat('self');
		// A /proc mounted from another pid namespace names other processes by these numbers: no proof from it.
		if (!stat || stat.pid !== process.pid) {
			return undefined;
		}

		const bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
		const pidNamespace = fs.statSync('/proc/self/ns/pid').ino;
		return bootId ? {bootId, pidNamespace, pid: process.pid, startTime: stat.startTime} : undefined;
	} catch {
		return undefined;
	}
}

/** ESRCH is the only proof a pid is free; EPERM means it exists under another user (hidden from /proc by hidepid, say). */
function pidExists(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return !isErrnoCode(error, 'ESRCH');
	}
}

/** Fields 1, 3 and 22 of /proc/PID/stat; the name (field 2) may hold spaces and parentheses, so fields count from its last ")". */
function readStat(pid: number | 'self'): {pid: number; state: string; startTime: number} | undefined {
	let text: string;
	try {
		text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}

	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	const startTime = Number(fields[19]);
	return Number.isSafeInteger(startTime) ? {pid: Number.parseInt(text, 10), state: fields[0]!, startTime} : undefined;
}
