import {spawn, type ChildProcess} from 'node:child_process';
import readline from 'node:readline';
import {nowMs} from './clock.ts';

/**
 * A queue runner under test in its own process (`spool worker`, or the plain polling loop), watched
 * through the JSON log lines it writes to stderr: "worker loop started" and one "task finished" per
 * task. Arrival times are on the monotonic clock.
 */
export class RunnerProcess {
	readonly child: ChildProcess;
	readonly spawnedAt: number;
	readonly problems: string[] = [];
	finished = 0;
	readonly #ready: Promise<number>;
	readonly #exited: Promise<number | null>;
	#waiters: Array<{count: number; resolve: (at: number) => void}> = [];

	constructor(command: string, args: string[], env: Record<string, string | undefined>) {
		this.spawnedAt = nowMs();
		this.child = spawn(command, args, {env, stdio: ['ignore', 'ignore', 'pipe']});
		this.#exited = new Promise(resolve => this.child.once('exit', code => resolve(code)));
		let markReady: (at: number) => void;
		this.#ready = new Promise(resolve => (markReady = resolve));
		readline.createInterface({input: this.child.stderr!, crlfDelay: Infinity}).on('line', line => {
			const at = nowMs();
			const entry = parseEntry(line);
			if (entry.msg === 'worker loop started') {
				markReady(at);
			} else if (entry.msg === 'task finished') {
				this.#onFinished(at, entry);
			} else if ((entry.level ?? 0) >= 40 || entry.msg === undefined) {
				this.problems.push(line.slice(0, 300));
			}
		});
	}

	get pid(): number {
		return this.child.pid!;
	}

	/** Resolves with the time "worker loop started" arrived; fails if the process ends first. */
	ready(): Promise<number> {
		return Promise.race([this.#ready, this.#exited.then(code => Promise.reject(new Error(`runner exited (${code}) before it was ready: ${this.problems.join('\n')}`)))]);
	}

	/** Resolves with the arrival time of the `count`-th "task finished" line. */
	finishedCount(count: number, timeoutMs = 600_000): Promise<number> {
		if (this.finished >= count) {
			return Promise.resolve(nowMs());
		}

		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`only ${this.finished} of ${count} tasks finished in ${timeoutMs} ms: ${this.problems.slice(0, 5).join('\n')}`)), timeoutMs);
			this.#waiters.push({
				count,
				resolve: at => {
					clearTimeout(timer);
					resolve(at);
				},
			});
		});
	}

	/** SIGTERM (spool drains and exits), then waits for the exit. */
	async stop(): Promise<number | null> {
		if (this.child.exitCode === null && this.child.signalCode === null) {
			this.child.kill('SIGTERM');
		}

		return this.#exited;
	}

	#onFinished(at: number, entry: LogEntry): void {
		this.finished++;
		if (entry.status !== undefined && entry.status !== 'succeeded') {
			this.problems.push(`task ${String(entry.task)} ${String(entry.status)}: ${String(entry.error)}`);
		}

		this.#waiters = this.#waiters.filter(waiter => {
			if (this.finished >= waiter.count) {
				waiter.resolve(at);
				return false;
			}

			return true;
		});
	}
}

type LogEntry = {msg?: string; level?: number; status?: unknown; task?: unknown; error?: unknown};

function parseEntry(line: string): LogEntry {
	try {
		return JSON.parse(line) as LogEntry;
	} catch {
		return {};
	}
}
