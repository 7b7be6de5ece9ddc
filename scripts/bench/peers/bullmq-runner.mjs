// BullMQ for npm run bench's peers part (plain JS: bullmq is installed in this folder only, by
// `npm --prefix scripts/bench/peers ci`, so the project's typecheck never needs it).
//   node bullmq-runner.mjs worker PORT QUEUE JOB CONCURRENCY
//       a Worker whose processor spawns JOB (child_process.spawn, the prompt on stdin, stdout read to
//       its end, as spool runs claude) and logs the JSON lines the bench's RunnerProcess follows:
//       "worker loop started" once connected, one "task finished" per completed job.
//   node bullmq-runner.mjs add PORT QUEUE N
//       connects, prints "ready", waits for a line on stdin, enqueues N jobs with one addBulk, exits.
//   node bullmq-runner.mjs drip PORT QUEUE N GAP_MS DROPS_FILE
//       adds N jobs one at a time with random gaps (mean GAP_MS), writing "ID MS" per job: the moment
//       before queue.add on the monotonic clock, for the pickup latency.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import {Queue, Worker} from 'bullmq';

const [mode, portText, name, ...rest] = process.argv.slice(2);
const connection = {host: '127.0.0.1', port: Number(portText), maxRetriesPerRequest: null};
const log = (msg, fields = {}) => process.stderr.write(`${JSON.stringify({level: 30, msg, ...fields})}\n`);
const taskId = n => `t${String(n).padStart(6, '0')}`;

function runJob(bin, id, prompt) {
	return new Promise((resolve, reject) => {
		const child = spawn(bin, ['-p', '--output-format', 'stream-json', '--bench-id', id], {stdio: ['pipe', 'pipe', 'ignore']});
		let out = '';
		child.stdout.setEncoding('utf8').on('data', chunk => (out += chunk));
		child.once('error', reject);
		child.once('close', code => (code === 0 && out.includes('"type":"result"') ? resolve('ok') : reject(new Error(`job exited ${code}`))));
		child.stdin.end(prompt);
	});
}

if (mode === 'worker') {
	const [bin, concurrency] = rest;
	const worker = new Worker(name, job => runJob(bin, job.data.id, job.data.prompt), {connection, concurrency: Number(concurrency)});
	worker.on('completed', job => log('task finished', {task: job.data.id, status: 'succeeded'}));
	worker.on('failed', (job, error) => log('task finished', {task: job?.data.id, status: 'failed', error: error.message}));
	worker.on('error', error => log('worker error', {level: 50, error: error.message}));
	await worker.waitUntilReady();
	log('worker loop started');
	process.once('SIGTERM', async () => {
		await worker.close();
		process.exit(0);
	});
} else {
	const queue = new Queue(name, {connection});
	const count = Number(rest[0]);
	const data = n => ({id: taskId(n), prompt: `benchmark task ${taskId(n)}`});
	if (mode === 'add') {
		// Connected first, then "ready" on stdout; the bench's clock starts as it writes the go line.
		await queue.waitUntilReady();
		process.stdout.write('ready\n');
		await new Promise(resolve => process.stdin.once('data', resolve));
		await queue.addBulk(Array.from({length: count}, (_, n) => ({name: 'task', data: data(n)})));
	} else {
		const [, gapText, dropsFile] = rest;
		const lines = [];
		for (let n = 0; n < count; n++) {
			lines.push(`${taskId(n)} ${Number(process.hrtime.bigint()) / 1e6}`);
			await queue.add('task', data(n));
			await new Promise(resolve => setTimeout(resolve, Number(gapText) * (0.5 + Math.random())));
		}

		fs.writeFileSync(dropsFile, `${lines.join('\n')}\n`);
	}

	await queue.close();
}
