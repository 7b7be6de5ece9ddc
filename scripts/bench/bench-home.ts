import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {stringify} from 'yaml';

export type BenchHome = {
	home: string;
	/** Where tasks are written before the timed rename into tasks/WORKER/ (same filesystem). */
	staging: string;
	/** The instant fixture appends "ID START_NS" here. */
	startLog: string;
	tasks(worker: string): string;
};

/*
 * Bench homes are removed only when the bench process exits. On an ext4 without a journal (this VM's
 * disk) every inode freed in the last 1-6 minutes is scanned past by each later file creation in its
 * block group, so deleting one round's thousands of files would bill their removal to the rounds after
 * it. Each runner then pays only for the files it deletes itself.
 */
const homes: string[] = [];

process.once('exit', () => {
	for (const home of homes) {
		fs.rmSync(home, {recursive: true, force: true});
	}
});
process.once('SIGINT', () => process.exit(130));

/** A fresh spool home in a temp folder: spool.yaml with the given workers and queue settings, one prompt each. */
export function makeBenchHome(workers: Record<string, Record<string, unknown>>, queue: Record<string, unknown> = {}): BenchHome {
	const home = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'spool-bench-')));
	homes.push(home);
	fs.mkdirSync(path.join(home, 'prompts'));
	fs.mkdirSync(path.join(home, 'staging'));
	for (const name of Object.keys(workers)) {
		fs.mkdirSync(path.join(home, 'tasks', name), {recursive: true});
		fs.writeFileSync(path.join(home, 'prompts', `${name}.md`), `You are the ${name} worker of a benchmark.`);
	}

	fs.writeFileSync(path.join(home, 'spool.yaml'), stringify({queue, workers}));
	const startLog = path.join(home, 'starts.log');
	fs.writeFileSync(startLog, '');
	return {
		home,
		staging: path.join(home, 'staging'),
		startLog,
		tasks: worker => path.join(home, 'tasks', worker),
	};
}

export function taskId(n: number): string {
	return `t${String(n).padStart(6, '0')}`;
}

export function taskText(id: string): string {
	return `${JSON.stringify({prompt: `benchmark task ${id}`})}\n`;
}

/** Writes task files into `dir` (staging, or straight into a worker's folder for a backlog). */
export function writeTasks(dir: string, ids: readonly string[]): void {
	for (const id of ids) {
		fs.writeFileSync(path.join(dir, `${id}.json`), taskText(id));
	}
}

/** Hard links per template file: ext4 allows 65,000 names for one inode. */
const LINKS_PER_TEMPLATE = 50_000;

let templates = 0;

/**
 * A large backlog quickly: each task file is a hard link to one of a few template files in staging/, 25
 * times faster to create than writing each file. The worker sees ordinary task files (it lists, reads and
 * renames names); they only share their content.
 */
export function linkTasks(bench: BenchHome, dir: string, ids: readonly string[]): void {
	linkCopies(bench, dir, ids.map(id => `${id}.json`), taskText('backlog'));
}

/** Files named `names` in `dir`, all with the content `text`: hard links to template files in staging/. */
export function linkCopies(bench: BenchHome, dir: string, names: readonly string[], text: string): void {
	fs.mkdirSync(dir, {recursive: true});
	let template = '';
	names.forEach((name, n) => {
		if (n % LINKS_PER_TEMPLATE === 0) {
			// A new name each time: writing over a template would change every file linked to it.
			template = path.join(bench.staging, `.template-${templates++}`);
			fs.writeFileSync(template, text);
		}

		fs.linkSync(template, path.join(dir, name));
	});
}

/** Reads the fixture's start log: task id → start on the monotonic clock, in ms. */
export function readStarts(startLog: string): Map<string, number> {
	const starts = new Map<string, number>();
	for (const line of fs.readFileSync(startLog, 'utf8').split('\n')) {
		const [id, ns] = line.split(' ');
		if (id && ns && !starts.has(id)) {
			starts.set(id, Number(BigInt(ns)) / 1e6);
		}
	}

	return starts;
}
