// The plain polling loop the benchmark compares spool with, of the kind the original design used: every
// second, list the folder, claim each task by rename and run it, `concurrency` at a time, then wait for
// the next second. No events, no leases, no fsync. It logs the same JSON lines as a spool worker.
//   node polling-loop.ts TASK_DIR WORK_DIR CLAUDE_BIN CONCURRENCY
import fs from 'node:fs/promises';
import path from 'node:path';
import {execa} from 'execa';

const [taskDir, workDir, bin, concurrencyText] = process.argv.slice(2) as [string, string, string, string];
const concurrency = Number(concurrencyText);
const claims = path.join(workDir, 'claims');
const results = path.join(workDir, 'results');
await fs.mkdir(claims, {recursive: true});
await fs.mkdir(results, {recursive: true});

function log(msg: string, fields: Record<string, unknown> = {}): void {
	process.stderr.write(`${JSON.stringify({level: 30, msg, ...fields})}\n`);
}

async function runOne(name: string): Promise<void> {
	const claim = path.join(claims, name);
	try {
		await fs.rename(path.join(taskDir, name), claim);
	} catch {
		return;
	}

	const id = name.slice(0, -'.json'.length);
	const task = JSON.parse(await fs.readFile(claim, 'utf8')) as {prompt: string};
	const {stdout} = await execa(bin, ['-p', '--output-format', 'stream-json', '--bench-id', id], {input: task.prompt, reject: false});
	await fs.writeFile(path.join(results, `${id}.json`), stdout);
	await fs.rm(claim);
	log('task finished', {task: id, status: 'succeeded'});
}

async function poll(): Promise<void> {
	const names = (await fs.readdir(taskDir)).filter(name => name.endsWith('.json')).sort();
	let next = 0;
	const lane = async () => {
		while (next < names.length) {
			await runOne(names[next++]!);
		}
	};

	await Promise.all(Array.from({length: concurrency}, lane));
}

let stopping = false;
process.on('SIGTERM', () => (stopping = true));
log('worker loop started');
while (!stopping) {
	const started = Date.now();
	await poll();
	await new Promise(resolve => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - started))));
}
