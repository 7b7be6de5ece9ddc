import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {nowMs} from './clock.ts';
import {median} from './stats.ts';

export type Machine = {
	cpu: string;
	cores: number;
	memoryGiB: number;
	kernel: string;
	node: string;
	/** Filesystem type of the temp folder, where every benchmark home lies. */
	filesystem: string;
	/** Median wall time of writing a small new file and fsyncing it, then of fsyncing its folder. */
	fsyncFileMs: number;
	fsyncDirMs: number;
	loadAverage: number[];
};

export function describeMachine(): Machine {
	const {fsyncFileMs, fsyncDirMs} = measureFsync(30);
	return {
		cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
		cores: os.availableParallelism(),
		memoryGiB: os.totalmem() / 2 ** 30,
		kernel: `${os.type()} ${os.release()}`,
		node: process.version,
		filesystem: filesystemOf(os.tmpdir()),
		fsyncFileMs,
		fsyncDirMs,
		loadAverage: os.loadavg(),
	};
}

function measureFsync(count: number): {fsyncFileMs: number; fsyncDirMs: number} {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-bench-fsync-'));
	const files: number[] = [];
	const dirs: number[] = [];
	try {
		for (let n = 0; n < count; n++) {
			let started = nowMs();
			const fd = fs.openSync(path.join(dir, `f${n}`), 'wx');
			fs.writeSync(fd, '{"prompt":"a small task file"}\n');
			fs.fsyncSync(fd);
			fs.closeSync(fd);
			files.push(nowMs() - started);
			started = nowMs();
			const dirFd = fs.openSync(dir, 'r');
			fs.fsyncSync(dirFd);
			fs.closeSync(dirFd);
			dirs.push(nowMs() - started);
		}
	} finally {
		fs.rmSync(dir, {recursive: true, force: true});
	}

	return {fsyncFileMs: median(files), fsyncDirMs: median(dirs)};
}

/** The type of the filesystem mounted at the longest prefix of `dir`, from /proc/mounts. */
function filesystemOf(dir: string): string {
	let best = {mount: '', type: 'unknown'};
	try {
		for (const line of fs.readFileSync('/proc/mounts', 'utf8').split('\n')) {
			const [, mount, type] = line.split(' ');
			if (mount && type && (dir === mount || dir.startsWith(mount.endsWith('/') ? mount : `${mount}/`)) && mount.length >= best.mount.length) {
				best = {mount, type};
			}
		}
	} catch {
		// Not Linux: leave it unknown.
	}

	return best.type;
}
