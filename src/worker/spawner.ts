import {fork, type ChildProcess} from 'node:child_process';
import {PassThrough, type Readable} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {killProcessGroup} from './process-group.ts';
import {spawnHere} from './spawn-here.ts';

/** One started process: its group's id, its output as streams, and its exit, then the end of its output. */
export type Spawned = {
	pid: number;
	stdout: Readable;
	stderr: Readable;
	/** When the process exited; its output may go on (a tool process it left holds the pipe). */
	exited: Promise<ExitStatus>;
	/** When it exited and its stdout and stderr have ended. */
	closed: Promise<ExitStatus>;
};

export type ExitStatus = [code: number | null, signal: string | null];

export type SpawnRequest = {bin: string; args: string[]; cwd: string; env: Record<string, string>; prompt: string};

export type SpawnOutcome = {ok: true; child: Spawned} | {ok: false; error: NodeJS.ErrnoException};

const HELPER = fileURLToPath(new URL('spawner-helper.js', import.meta.url));

/** How long the helper may take to start before runs are spawned from here instead. */
const HELPER_START_MS = 10_000;

/** A run the helper was asked for: its streams and promises, settled as its messages come; `pid` once it started. */
type Pending = Omit<Spawned, 'pid' | 'stdout' | 'stderr'> & {
	stdout: PassThrough;
	stderr: PassThrough;
	pid?: number;
	started: (outcome: SpawnOutcome) => void;
	/** Settle `exited` and `closed`; a second call (the helper lost after a real exit) changes nothing. */
	exit: (status: ExitStatus) => void;
	close: (status: ExitStatus) => void;
};

type Message = {ready?: true; id?: number; pid?: number; error?: string; code?: string | null; out?: Uint8Array; err?: Uint8Array; exit?: ExitStatus; close?: ExitStatus};

/**
 * Starts claude runs from a small helper process (spawner-helper.js) instead of the worker itself. A
 * fork copies the page tables of the process that forks, and libuv's spawn blocks that process until
 * the child has exec'd: in a worker of 120 MB that took its one event loop about 3 ms a run, a third of
 * all it did on a cheap job (docs/benchmarks.md, part 7). The helper stays near a bare node's memory.
 * What a run sees is the same: its own process group, its environment, its prompt on stdin, its stdout
 * and stderr read as they come; the worker still signals the group itself. Should the helper not start,
 * or die, runs are spawned from the worker directly (and a run the dead helper held is killed and ends
 * as killed): never a run lost or left waiting.
 */
class Spawner {
	#helper: ChildProcess | undefined;
	#ready: Promise<boolean> | undefined;
	#runs = new Map<number, Pending>();
	#next = 0;
	#waiting = 0;
	#broken = false;
	/** The helper said it is ready, and has not died since. */
	#up = false;

	/** Starts the helper ahead of the first run (a loop's start), so that run does not wait for it. */
	warm(): void {
		void this.#start();
	}

	/** Sends the request at once when the helper is up (the caller's next steps overlap the fork), else once it is. */
	spawn(request: SpawnRequest): Promise<SpawnOutcome> {
		return this.#up && this.#helper?.connected ? this.#send(this.#helper, request) : this.#spawnLater(request);
	}

	async #spawnLater(request: SpawnRequest): Promise<SpawnOutcome> {
		// Held while it starts too: a command whose only work is this run must not exit waiting for it.
		this.#waiting++;
		this.#hold();
		const helper = (await this.#start()) ? this.#helper : undefined;
		this.#waiting--;
		if (!helper?.connected) {
			this.#releaseIfIdle();
			return spawnHere(request);
		}

		return this.#send(helper, request);
	}

	#send(helper: ChildProcess, request: SpawnRequest): Promise<SpawnOutcome> {
		const id = this.#next++;
		const started = new Promise<SpawnOutcome>(resolve => {
			const exited = Promise.withResolvers<ExitStatus>();
			const closed = Promise.withResolvers<ExitStatus>();
			this.#runs.set(id, {stdout: new PassThrough(), stderr: new PassThrough(), exited: exited.promise, closed: closed.promise, exit: exited.resolve, close: closed.resolve, started: resolve});
		});
		this.#hold();
		helper.send({id, ...request}, undefined, undefined, error => {
			if (error && this.#runs.get(id)?.pid === undefined) {
				// It never reached the helper (it died meanwhile): fork it here instead.
				const pending = this.#runs.get(id);
				this.#end(id);
				void spawnHere(request).then(outcome => pending?.started(outcome));
			}
		});
		return started;
	}

	#start(): Promise<boolean> {
		if (this.#broken) {
			return Promise.resolve(false);
		}

		this.#ready ??= new Promise<boolean>(resolve => {
			let helper: ChildProcess;
			try {
				// Its own flags: a small young generation, none of the worker's (a --cpu-prof would profile it too).
				helper = fork(HELPER, [], {serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: ['--max-semi-space-size=1'], env: {PATH: process.env.PATH ?? ''}});
			} catch {
				this.#broken = true;
				resolve(false);
				return;
			}

			const timer = setTimeout(() => {
				this.#broken = true;
				helper.kill('SIGKILL');
				resolve(false);
			}, HELPER_START_MS).unref();
			helper.on('message', (message: Message) => {
				if (message.ready) {
					if (this.#broken) {
						return; // Too late: it is being killed, and runs are forked here.
					}

					clearTimeout(timer);
					this.#up = true;
					resolve(true);
				} else {
					this.#take(message);
				}
			});
			// A send to a helper that just died fails with EPIPE, once per send: that run is settled by #lost.
			helper.on('error', () => undefined);
			helper.once('exit', () => {
				clearTimeout(timer);
				resolve(false);
			});
			// Once the channel is closed, every message it carried has been read: only then are the runs it still held lost.
			helper.once('disconnect', () => this.#lost(helper));
			this.#helper = helper;
			this.#releaseIfIdle();
		});
		return this.#ready;
	}

	#take(message: Message): void {
		const pending = message.id === undefined ? undefined : this.#runs.get(message.id);
		if (!pending) {
			return;
		}

		if (message.out) {
			pending.stdout.write(Buffer.from(message.out.buffer, message.out.byteOffset, message.out.byteLength));
		} else if (message.err) {
			pending.stderr.write(Buffer.from(message.err.buffer, message.err.byteOffset, message.err.byteLength));
		} else if (message.pid !== undefined) {
			pending.pid = message.pid;
			pending.started({ok: true, child: {pid: message.pid, stdout: pending.stdout, stderr: pending.stderr, exited: pending.exited, closed: pending.closed}});
		} else if (message.error !== undefined) {
			this.#end(message.id!);
			pending.started({ok: false, error: Object.assign(new Error(message.error), message.code ? {code: message.code} : {})});
		} else if (message.exit) {
			pending.exit(message.exit);
		} else if (message.close) {
			this.#end(message.id!);
			pending.stdout.end();
			pending.stderr.end();
			// Written after the streams' last chunk: the run reads its output to the end, then its close.
			pending.close(message.close);
		}
	}

	/** The helper is gone (killed, crashed): its runs can no longer be read, so each is killed and ends as killed. */
	#lost(helper: ChildProcess): void {
		if (this.#helper === helper) {
			this.#up = false;
			this.#helper = undefined;
			this.#ready = undefined; // The next run starts a new one.
		}

		for (const [id, pending] of this.#runs) {
			this.#end(id);
			if (pending.pid === undefined) {
				pending.started({ok: false, error: Object.assign(new Error('the process that starts claude runs ended before this one started'), {code: 'ESPAWNER'})});
				continue;
			}

			killProcessGroup(pending.pid, 'SIGKILL');
			pending.stderr.write('spool: the process that started this run ended; the run was killed\n');
			pending.stdout.end();
			pending.stderr.end();
			pending.exit([null, 'SIGKILL']);
			pending.close([null, 'SIGKILL']);
		}
	}

	#end(id: number): void {
		this.#runs.delete(id);
		this.#releaseIfIdle();
	}

	/** While a run is in flight the helper keeps this process alive; idle, it does not (a CLI command may exit). */
	#hold(): void {
		this.#helper?.ref();
		this.#helper?.channel?.ref();
	}

	#releaseIfIdle(): void {
		if (this.#runs.size === 0 && this.#waiting === 0) {
			this.#helper?.unref();
			this.#helper?.channel?.unref();
		}
	}
}

const spawner = new Spawner();

/** Starts a run: from the helper process when it runs, else from here. */
export function spawnRun(request: SpawnRequest): Promise<SpawnOutcome> {
	return process.env.SPOOL_SPAWN_DIRECT === '1' ? spawnHere(request) : spawner.spawn(request);
}

/** Starts the helper now, so the first run does not wait for it. */
export function warmSpawner(): void {
	if (process.env.SPOOL_SPAWN_DIRECT !== '1') {
		spawner.warm();
	}
}
