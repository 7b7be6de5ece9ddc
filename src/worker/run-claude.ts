import {spawn} from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import {killProcessGroup} from './process-group.ts';

export type ClaudeRun = {
	bin: string;
	args: string[];
	/** Sent on stdin, then stdin is closed: a prompt may start with "-", so it is never an argument. */
	prompt: string;
	cwd: string;
	env: Record<string, string>;
	timeoutMs: number;
	/** Every stream-json line is appended here as it arrives, so `tail -f` shows progress. */
	transcriptFile: string;
	/** Aborting it stops the run (shutdown, lost lease). */
	signal?: AbortSignal;
	/** Grace between SIGTERM and SIGKILL of the process group. @default 5000 */
	forceKillAfterMs?: number;
	/** Called once the process is spawned. */
	onSpawn?: (pid: number | undefined) => void;
	/** Applied to every line before it is written or read: takes secrets out. */
	redact?: (line: string) => string;
};

/** What the CLI process did, as plain data. `final` is its `{"type":"result"}` line, if it wrote one. */
export type ClaudeExit = {
	final: Record<string, unknown> | undefined;
	sessionId: string | null;
	model: string | null;
	exitCode: number | null;
	signal: string | null;
	/** Why the process could not be started at all (no such binary, no such cwd), else null. */
	spawnError: string | null;
	timedOut: boolean;
	canceled: boolean;
	stderrTail: string;
	durationMs: number;
	/** Lines of stdout that were not JSON (a truncated line, stray output). */
	badLines: number;
	/** From a `rate_limit_event` that rejected the request: when the limit resets (epoch ms). */
	rateLimitResetsAt: number | null;
	/** The delay the CLI chose for its last retry of a 429 (it honours `retry-after`). */
	rateLimitRetryMs: number | null;
};

const STDERR_TAIL = 4096;

/**
 * Runs `claude -p` in its own process group, streams its transcript to disk and reads its final result.
 * On timeout or abort the whole group (claude and every tool process it started) is killed.
 *
 * This is the one spawn per task, so it uses node:child_process rather than execa (which the rest of
 * spool uses): execa costs 0.6-0.9 ms more CPU per spawn and 10 MB more memory in the worker, and every
 * MB of the worker is page table that each fork copies (docs/benchmarks.md). Nothing of execa's is
 * needed here: the output is streamed line by line, not buffered, and the group is killed by hand.
 */
export async function runClaude(run: ClaudeRun): Promise<ClaudeExit> {
	const started = performance.now();
	const transcript = openTranscript(run.transcriptFile);
	const child = spawn(run.bin, run.args, {cwd: run.cwd, env: run.env, detached: true, stdio: 'pipe'});
	let spawnError: Error | undefined;
	child.once('error', error => {
		spawnError ??= error;
	});
	// 'close' comes after 'exit' once stdout and stderr have ended, and also when the spawn failed.
	const closed = new Promise<[number | null, string | null]>(resolve => {
		child.once('close', (code, signal) => resolve([code, signal]));
	});
	// claude may exit without reading its prompt (a bad flag): that broken pipe is not the run's error.
	child.stdin.on('error', () => {});
	child.stdin.end(run.prompt);
	run.onSpawn?.(child.pid);
	let timedOut = false;
	let canceled = false;
	const stop = (reason: 'timeout' | 'cancel') => {
		if (timedOut || canceled) {
			return;
		}

		timedOut = reason === 'timeout';
		canceled = reason === 'cancel';
		killProcessGroup(child.pid, 'SIGTERM');
		setTimeout(() => killProcessGroup(child.pid, 'SIGKILL'), run.forceKillAfterMs ?? 5000).unref();
	};

	const timer = setTimeout(() => stop('timeout'), run.timeoutMs);
	const onAbort = () => stop('cancel');
	run.signal?.addEventListener('abort', onAbort, {once: true});
	if (run.signal?.aborted) {
		onAbort();
	}

	// Tool processes claude started may outlive it and hold its stdout open; nothing of a run survives it.
	child.on('exit', () => killProcessGroup(child.pid, 'SIGKILL'));
	let stderrTail = '';
	child.stderr.on('data', (chunk: Buffer) => {
		stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL);
	});

	let final: Record<string, unknown> | undefined;
	let sessionId: string | null = null;
	let model: string | null = null;
	let badLines = 0;
	let rateLimitResetsAt: number | null = null;
	let rateLimitRetryMs: number | null = null;
	const lines = readline.createInterface({input: child.stdout, crlfDelay: Infinity});
	for await (const rawLine of lines) {
		if (rawLine.trim() === '') {
			continue;
		}

		const line = run.redact ? run.redact(rawLine) : rawLine;
		transcript.write(`${line}\n`);
		const event = parseLine(line);
		if (!event) {
			badLines++;
			continue;
		}

		if (event.type === 'system' && event.subtype === 'init') {
			sessionId = typeof event.session_id === 'string' ? event.session_id : sessionId;
			model = typeof event.model === 'string' ? event.model : model;
		} else if (event.type === 'result') {
			final = event;
		} else if (event.type === 'rate_limit_event') {
			rateLimitResetsAt = readResetTime(event.rate_limit_info) ?? rateLimitResetsAt;
		} else if (event.type === 'system' && event.subtype === 'api_retry' && event.error_status === 429) {
			rateLimitRetryMs = typeof event.retry_delay_ms === 'number' ? event.retry_delay_ms : rateLimitRetryMs;
		}
	}

	const [exitCode, signal] = await closed;
	clearTimeout(timer);
	run.signal?.removeEventListener('abort', onAbort);
	const transcriptError = transcript.close();
	if (transcriptError) {
		throw transcriptError;
	}

	return {
		final,
		sessionId: (typeof final?.session_id === 'string' ? final.session_id : null) ?? sessionId,
		model,
		exitCode: spawnError ? null : exitCode,
		signal,
		spawnError: spawnError ? spawnError.message : null,
		timedOut,
		canceled,
		stderrTail: stderrTail.trim(),
		durationMs: Math.round(performance.now() - started),
		badLines,
		rateLimitResetsAt,
		rateLimitRetryMs,
	};
}

/**
 * Appends the transcript with plain writes: a line is small, and a write stream would send each one
 * through the thread pool. A transcript that cannot be written (a full disk) must not take the worker
 * down mid-run: the first error is kept and handed back by close(), once the run has ended.
 */
function openTranscript(file: string): {write(text: string): void; close(): Error | undefined} {
	let error: Error | undefined;
	let fd: number | undefined;
	try {
		fd = fs.openSync(file, 'a');
	} catch (openError) {
		error = openError as Error;
	}

	return {
		write(text) {
			if (fd === undefined || error) {
				return;
			}

			try {
				fs.writeFileSync(fd, text);
			} catch (writeError) {
				error = writeError as Error;
			}
		},
		close() {
			if (fd !== undefined) {
				fs.closeSync(fd);
			}

			return error;
		},
	};
}

/** `rate_limit_info.resetsAt` of a rejected request, in epoch seconds or ms, as epoch ms. */
function readResetTime(info: unknown): number | undefined {
	const {status, resetsAt} = (info ?? {}) as {status?: unknown; resetsAt?: unknown};
	if (status !== 'rejected' || typeof resetsAt !== 'number') {
		return undefined;
	}

	return resetsAt < 1e12 ? resetsAt * 1000 : resetsAt;
}

function parseLine(line: string): Record<string, unknown> | undefined {
	try {
		const value = JSON.parse(line) as unknown;
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}
